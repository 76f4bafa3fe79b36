"""A locked or prompting keychain never hangs the app: calls give up after the store's timeout
with a message that says how to unlock, later calls fail at once while the first is stuck, and
nothing is written anywhere else.

The last test locks a real gnome-keyring on a private D-Bus session, with the test run's X
display present, which is exactly the case that used to block `--screenshot` forever.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import chainer

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.domain.errors import KeychainUnavailable
from loquent_desktop.secrets import store as store_module
from loquent_desktop.secrets.store import SecretStore
from tests.support.memory_keyring import MemoryKeyring

AC = "AC" + "0123456789abcdef" * 2
TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


class PromptingKeyring(MemoryKeyring):
    """A keychain whose every call waits for an unlock prompt nobody answers (until `answer`)."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = threading.Event()
        self.calls = 0

    def _wait(self) -> None:
        self.calls += 1
        self.answered.wait(10)

    def get_password(self, service: str, username: str) -> str | None:
        self._wait()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._wait()
        super().set_password(service, username, password)


@pytest.fixture
def prompting() -> Iterator[PromptingKeyring]:
    backend = PromptingKeyring()
    yield backend
    backend.answered.set()
    # The helper threads end once the prompt is answered; later tests must not see them.
    deadline = time.monotonic() + 5
    while store_module._still_stuck() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_call_waiting_for_a_prompt_times_out_with_how_to_unlock(
    prompting: PromptingKeyring,
) -> None:
    store = SecretStore("svc", backend=prompting, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(KeychainUnavailable) as caught:
        store.set_credentials("shared", Credentials.from_auth_token(AC, TOKEN))
    assert 0.3 <= time.monotonic() - started < 2
    message = str(caught.value)
    assert "did not answer within 0.3 seconds" in message
    assert "Unlock it" in message and "Passwords and Keys" in message
    assert TOKEN not in message


def test_while_a_call_is_stuck_later_calls_fail_at_once(prompting: PromptingKeyring) -> None:
    store = SecretStore("svc", backend=prompting, timeout_s=0.2)
    with pytest.raises(KeychainUnavailable):
        store.get_credentials("shared")
    started = time.monotonic()
    with pytest.raises(KeychainUnavailable, match="locked"):
        store.get_credentials("shared")
    assert time.monotonic() - started < 0.1
    assert prompting.calls == 1  # no second prompt stacked behind the first


def test_once_unlocked_the_keychain_works_again(prompting: PromptingKeyring) -> None:
    store = SecretStore("svc", backend=prompting, timeout_s=0.2)
    with pytest.raises(KeychainUnavailable):
        store.get_credentials("shared")
    prompting.answered.set()
    deadline = time.monotonic() + 5
    while store_module._still_stuck() and time.monotonic() < deadline:
        time.sleep(0.01)
    creds = Credentials.from_auth_token(AC, TOKEN)
    store.set_credentials("shared", creds)
    assert store.get_credentials("shared") == creds


def test_nothing_is_written_to_another_backend(prompting: PromptingKeyring) -> None:
    """With two secure keychains, a stuck first one must not make the write land in the
    second (the chainer would fall through to it)."""
    other = MemoryKeyring()

    class Chain(chainer.ChainerBackend):
        backends = [prompting, other]  # type: ignore[assignment]

    store = SecretStore("svc", backend=Chain(), timeout_s=0.2)
    with pytest.raises(KeychainUnavailable):
        store.set_credentials("shared", Credentials.from_auth_token(AC, TOKEN))
    assert other.entries == {}
    assert prompting.entries == {}


def test_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOQUENT_KEYCHAIN_TIMEOUT", "2.5")
    assert SecretStore("svc").timeout_s == 2.5
    monkeypatch.setenv("LOQUENT_KEYCHAIN_TIMEOUT", "soon")
    assert SecretStore("svc").timeout_s == store_module.DEFAULT_TIMEOUT_S


LOCKED_SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    out = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"pw", capture_output=True, check=True,
        env={**os.environ, "XDG_DATA_HOME": sys.argv[1]},
    ).stdout.decode()
    for line in out.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            os.environ[key] = value
    import secretstorage
    with secretstorage.dbus_init() as bus:
        collection = secretstorage.get_default_collection(bus)
        collection.lock()
        assert collection.is_locked()
    from loquent_desktop.domain.credentials import Credentials
    from loquent_desktop.secrets.store import SecretStore
    store = SecretStore("loquent-desktop-locked-test", timeout_s=3)
    started = time.monotonic()
    try:
        store.set_credentials("shared", Credentials.from_auth_token(sys.argv[2], sys.argv[3]))
    except Exception as exc:
        print(type(exc).__name__, round(time.monotonic() - started, 1), exc)
    else:
        print("SAVED")
    with secretstorage.dbus_init() as bus:
        collection = secretstorage.get_default_collection(bus)
        print("ITEMS", len(list(collection.get_all_items())) if not collection.is_locked()
              else "locked")
    sys.stdout.flush()
    os._exit(0)  # the helper thread may still wait for the prompt
    """
)


@pytest.mark.keychain
@pytest.mark.skipif(
    not (shutil.which("gnome-keyring-daemon") and shutil.which("dbus-run-session")),
    reason="needs gnome-keyring-daemon and dbus-run-session",
)
def test_a_locked_gnome_keyring_with_a_display_does_not_hang(tmp_path: Path) -> None:
    keyring_dir = tmp_path / "keyring"
    keyring_dir.mkdir(mode=0o700)
    script = tmp_path / "locked.py"
    script.write_text(LOCKED_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    # A runtime directory of its own: its daemon's control socket must not replace the one
    # of the test run's own gnome-keyring ($XDG_RUNTIME_DIR/keyring/control).
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    started = time.monotonic()
    done = subprocess.run(
        ["dbus-run-session", "--", sys.executable, str(script), str(keyring_dir), AC, TOKEN],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # D-Bus activated helpers (the accessibility registry) may print to the same stdout.
    lines = [
        line for line in done.stdout.splitlines() if line.startswith(("Key", "SAVED", "ITEMS"))
    ]
    assert time.monotonic() - started < 40
    assert lines[0].startswith("KeychainUnavailable"), done.stdout
    assert "nlock" in lines[0]  # "Unlock it ..." / "Unlock your login keyring ..."
    assert TOKEN not in done.stdout
    assert lines[-1] in ("ITEMS 0", "ITEMS locked")  # nothing saved
