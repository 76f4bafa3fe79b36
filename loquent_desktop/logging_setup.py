"""Logging to a rotating file and stderr, with secrets scrubbed from every record.

Two layers of defence, because a single missed call site would put an Auth Token in a log
file that users attach to support tickets:

* exact strings: the secret store registers every secret it reads or writes with
  `register_secret`, and any occurrence is replaced wherever it appears;
* patterns: Basic auth headers, `auth_token`/`AuthToken`/`secret`/`password` values in JSON,
  form bodies and reprs, and 32-hex strings that follow the words token/secret/password
  (the shape of a Twilio Auth Token) are replaced even if nobody registered them.

The filter formats the record first (message + args), then scrubs the result, and does the
same for exception and stack text, so a secret inside an argument or a traceback is caught.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FILE = "loquent-desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
REDACTED = "[REDACTED]"
# Loggers that print request details on their own; the filter is attached to them directly
# so that handlers we did not install (a test's caplog, a user's debug handler) are covered.
NOISY_LOGGERS = ("twilio.http_client",)
# Shorter strings would redact ordinary words; no real credential is this short.
_MIN_SECRET_LEN = 6

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secrets_pattern: re.Pattern[str] | None = None

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Basic xxx / 'Authorization': 'Bearer xxx'
    (
        re.compile(
            r"""(?i)(authorization['"]?\s*[:=]\s*['"]?(?:basic|bearer)\s+)[A-Za-z0-9+/=._~-]+"""
        ),
        r"\1" + REDACTED,
    ),
    # "auth_token": "x", auth_token=x, AuthToken=x, 'secret': 'x', api_key_secret=x, password=x
    (
        re.compile(
            r"""(?i)(["']?\b[\w-]*(?:auth_?token|secret|password)["']?\s*[:=]\s*["']?)"""
            r"""(?!\[REDACTED\])[^"'\s&,;}\])]+"""
        ),
        r"\1" + REDACTED,
    ),
    # "the auth token is 0123...": 32 hex digits shortly after token/secret/password.
    (
        re.compile(r"(?i)(\b\w*(?:token|secret|password)\w*\b[^\n]{0,40}?)\b[0-9a-f]{32}\b"),
        r"\1" + REDACTED,
    ),
)


def register_secret(value: str | None) -> None:
    """Make `value` disappear from every log record from now on."""
    global _secrets_pattern
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _secrets_lock:
        if value in _secrets:
            return
        _secrets.add(value)
        # Longest first so a secret that contains another is replaced whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _secrets_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def forget_secrets() -> None:
    """Clear the registered secrets (tests only; secrets stay registered for the process)."""
    global _secrets_pattern
    with _secrets_lock:
        _secrets.clear()
        _secrets_pattern = None


def redact(text: str) -> str:
    """`text` with registered secrets and secret-shaped values replaced."""
    pattern = _secrets_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites records in place so every handler downstream sees scrubbed text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record or leak args
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Keep exc_info from being re-formatted unscrubbed by a formatter that ignores
            # exc_text; the scrubbed text above is what gets printed.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# Names tag the handlers installed here so a second `setup_logging` replaces, not duplicates.
_HANDLER_PREFIX = "loquent-desktop:"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


def setup_logging(
    log_dir: Path, level: int | str = logging.INFO, stderr_level: int | str = logging.WARNING
) -> Path:
    """Log to `log_dir/loquent-desktop.log` (1 MB x 5) and stderr; returns the file path.

    The terminal only gets warnings by default: the file has the detail."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / LOG_FILE
    root = logging.getLogger()
    for handler in list(root.handlers):
        if (handler.get_name() or "").startswith(_HANDLER_PREFIX):
            root.removeHandler(handler)
            handler.close()

    redacting = RedactingFilter()
    formatter = logging.Formatter(_FORMAT)
    file_handler = RotatingFileHandler(
        log_path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    stderr_handler = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [file_handler, stderr_handler]
    for suffix, handler in zip(("file", "stderr"), handlers, strict=True):
        handler.set_name(_HANDLER_PREFIX + suffix)
        handler.setFormatter(formatter)
        handler.addFilter(redacting)
        root.addHandler(handler)
    stderr_handler.setLevel(stderr_level)
    root.setLevel(level)
    # Alembic announces every plugin at INFO on each start; only its migrations matter.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    for name in NOISY_LOGGERS:
        noisy = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in noisy.filters):
            noisy.addFilter(redacting)
    return log_path
