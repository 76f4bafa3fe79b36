"""Secrets never reach the log file or stderr, however they are logged."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from loquent_desktop import logging_setup
from loquent_desktop.logging_setup import (
    REDACTED,
    RedactingFilter,
    redact,
    register_secret,
    setup_logging,
)

TOKEN = "0123456789abcdef0123456789abcdef"  # Auth Token shape: 32 hex
KEY_SECRET = "zK9pQ2sV8wX1yT4uR7eW3qA6sD5fG0hJ"  # API key secret: 32 alphanumerics


@pytest.fixture(autouse=True)
def _clean_secrets() -> Iterator[None]:
    logging_setup.forget_secrets()
    yield
    logging_setup.forget_secrets()


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler has the filter, exactly as setup_logging wires it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_registered_secret_in_message_and_args(capture) -> None:  # type: ignore[no-untyped-def]
    logger, stream = capture
    register_secret(KEY_SECRET)
    logger.info(f"inline {KEY_SECRET} here")
    logger.info("as arg %s and %r", KEY_SECRET, {"nested": [KEY_SECRET]})
    out = stream.getvalue()
    assert KEY_SECRET not in out
    assert out.count(REDACTED) == 3
    assert "inline" in out and "as arg" in out  # the rest of the message survives


def test_secret_in_exception_text(capture) -> None:  # type: ignore[no-untyped-def]
    logger, stream = capture
    register_secret(KEY_SECRET)
    try:
        raise RuntimeError(f"backend choked on {KEY_SECRET}")
    except RuntimeError:
        logger.exception("saving credentials failed")
    out = stream.getvalue()
    assert KEY_SECRET not in out
    assert "RuntimeError: backend choked on [REDACTED]" in out
    assert "Traceback" in out


def test_unregistered_patterns() -> None:
    cases = {
        "Authorization: Basic QUMxMjM6c2VjcmV0": "Authorization: Basic [REDACTED]",
        "{'Authorization': 'Basic QUMxMjM6c2VjcmV0'}": "{'Authorization': 'Basic [REDACTED]'}",
        '{"auth_token": "abc123xyz"}': '{"auth_token": "[REDACTED]"}',
        "AuthToken=abc123xyz&FriendlyName=x": "AuthToken=[REDACTED]&FriendlyName=x",
        "auth_token=abc123xyz": "auth_token=[REDACTED]",
        '{"secret": "s3cr3t-value", "account_sid": "AC1"}': (
            '{"secret": "[REDACTED]", "account_sid": "AC1"}'
        ),
        "api_key_secret='s3cr3t-value'": "api_key_secret='[REDACTED]'",
        "password=hunter22": "password=[REDACTED]",
        f"the auth token is {TOKEN}.": "the auth token is [REDACTED].",
        f"Secret for ACME: {TOKEN}": "Secret for ACME: [REDACTED]",
    }
    for raw, expected in cases.items():
        assert redact(raw) == expected, raw
    # SIDs are not secrets and stay readable.
    sid = "AC" + TOKEN
    assert redact(f"account {sid} connected") == f"account {sid} connected"
    # Already-redacted text is stable (filters may run twice on one record).
    assert redact(redact('"auth_token": "abc123xyz"')) == '"auth_token": "[REDACTED]"'


def test_setup_logging_writes_scrubbed_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        path = setup_logging(tmp_path / "logs", logging.DEBUG, logging.DEBUG)
        setup_logging(
            tmp_path / "logs", logging.DEBUG, logging.DEBUG
        )  # idempotent: no duplicate lines
        assert path == tmp_path / "logs" / "loquent-desktop.log"
        register_secret(KEY_SECRET)
        logging.getLogger("loquent_desktop.test").warning("connect with %s", KEY_SECRET)
        # twilio's own client logs request details; they are scrubbed too.
        logging.getLogger("twilio.http_client").info(
            "Headers: {'Authorization': 'Basic QUMxMjM6c2VjcmV0', 'User-Agent': 'x'}"
        )
        logging.getLogger("twilio.http_client").info("POST Request: AuthToken=%s", TOKEN)
        for handler in root.handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        err = capsys.readouterr().err
        for out in (text, err):
            assert KEY_SECRET not in out and TOKEN not in out
            assert "QUMxMjM6c2VjcmV0" not in out
            assert out.count("connect with [REDACTED]") == 1
            assert "User-Agent" in out
        handler_names = [h.get_name() for h in root.handlers]
        assert handler_names.count("loquent-desktop:file") == 1
        file_handler = next(h for h in root.handlers if h.get_name() == "loquent-desktop:file")
        assert file_handler.maxBytes == 1_000_000  # type: ignore[attr-defined]
        assert file_handler.backupCount == 5  # type: ignore[attr-defined]
    finally:
        for handler in list(root.handlers):
            if (handler.get_name() or "").startswith("loquent-desktop:"):
                root.removeHandler(handler)
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_short_values_are_not_registered() -> None:
    register_secret("")
    register_secret("abc")
    assert redact("abc is fine") == "abc is fine"
