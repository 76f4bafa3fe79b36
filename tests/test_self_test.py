"""`loquent-desktop --self-test`: every check against the real part, a failure in one does not
hide the others, and the exit status says whether all passed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from loquent_desktop import self_test
from loquent_desktop.self_test import CheckFailed, check_keychain, check_qt, run_self_test
from tests.secrets.test_store_timeout import PromptingKeyring

NAMES = ["keychain", "tls trust", "database", "sandbox", "qt platform plugin"]


@pytest.fixture
def keyring_backend():  # type: ignore[no-untyped-def]
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("PASS", "FAIL"))]


def test_every_check_passes_here(qapp, keychain_kind: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    if keychain_kind != "secret-service":
        pytest.skip("needs the real keychain (./dev.sh test provides Secret Service)")
    report = tmp_path / "report.txt"
    assert run_self_test(str(report)) == 0
    printed = capsys.readouterr().out
    lines = _lines(printed)
    assert [line[6:26].strip() for line in lines] == NAMES
    assert all(line.startswith("PASS") for line in lines), printed
    assert "keyring.backends.SecretService.Keyring: wrote, read and deleted" in printed
    assert "5 of 5 checks passed" in printed
    assert report.read_text() == printed  # the report holds exactly what was printed


def test_without_a_keychain_backend_the_self_test_fails(qapp, keyring_backend, capsys) -> None:  # type: ignore[no-untyped-def]
    """What a bundle that lost keyring's backends (its entry-point metadata) looks like."""
    keyring_backend(fail.Keyring())
    assert run_self_test() == 1
    printed = capsys.readouterr().out
    keychain = next(line for line in _lines(printed) if "keychain" in line[:30])
    assert keychain.startswith("FAIL")
    assert "No OS keychain is available" in keychain
    assert "failed: keychain" in printed
    # The other checks still ran.
    assert len(_lines(printed)) == len(NAMES)


def test_a_keychain_that_waits_for_a_prompt_fails_in_bounded_time(keyring_backend) -> None:  # type: ignore[no-untyped-def]
    backend = PromptingKeyring()
    keyring_backend(backend)
    try:
        with pytest.raises(CheckFailed, match=r"did not answer within 0\.2 seconds"):
            check_keychain(timeout_s=0.2)
    finally:
        backend.answered.set()


def test_a_crashing_check_is_a_failure_not_a_crash(  # type: ignore[no-untyped-def]
    qapp, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def broken() -> str:
        raise RuntimeError("migrations folder missing")

    monkeypatch.setattr(self_test, "check_database", broken)
    monkeypatch.setattr(self_test, "check_keychain", lambda: "stub")
    results = self_test.run_checks()
    assert [r.name for r in results] == NAMES
    database = results[NAMES.index("database")]
    assert not database.ok
    assert "RuntimeError: migrations folder missing" in database.detail
    assert results[NAMES.index("sandbox")].ok


def test_a_missing_platform_plugin_is_named(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QT_QPA_PLATFORM", "nosuchplatform")
    with pytest.raises(CheckFailed, match="no 'nosuchplatform' platform plugin"):
        check_qt()


def test_cli_flag_runs_the_self_test_and_writes_the_report(
    keychain_kind: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.txt"
    env = dict(os.environ, LOQUENT_HOME=str(tmp_path / "home"))
    done = subprocess.run(
        [sys.executable, "-m", "loquent_desktop", "--self-test", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    lines = _lines(report.read_text())
    assert [line[6:26].strip() for line in lines] == NAMES
    if keychain_kind == "secret-service":
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode == (0 if all(line.startswith("PASS") for line in lines) else 1)
    # Nothing of the user's: no app folders were created for a self-test.
    assert not (tmp_path / "home").exists()
