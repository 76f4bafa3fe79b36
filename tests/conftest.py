"""Suite-wide fixtures: a qasync loop, the emulator, a real keychain where the machine has
one, and an app context wired exactly as the real app wires it.

Nothing here may touch the user's real folders: LOQUENT_HOME points at a temp dir before any
app code runs.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LOQUENT_HOME"] = tempfile.mkdtemp(prefix="loquent-test-home-")

import contextlib

import keyring
import pytest

from loquent_desktop.secrets.store import SecretStore
from tests.support.memory_keyring import MemoryKeyring


def _real_keychain() -> bool:
    try:
        from keyring.backends import SecretService

        backend = keyring.get_keyring()
        if not isinstance(backend, SecretService.Keyring):
            return False
        backend.get_password("loquent-desktop-test-probe", "probe")
        return True
    except Exception:
        return False


REAL_KEYCHAIN = _real_keychain()


@pytest.fixture(scope="session")
def keychain_kind() -> str:
    if not REAL_KEYCHAIN and os.environ.get("LOQUENT_REQUIRE_KEYCHAIN") == "1":
        pytest.fail("LOQUENT_REQUIRE_KEYCHAIN=1 but no Secret Service keychain is usable")
    return "secret-service" if REAL_KEYCHAIN else "memory"


class _TrackingSecretStore(SecretStore):
    """Remembers what it wrote so the test's entries can be removed from the real keychain."""

    written: set[str]

    def set_credentials(self, key, creds):  # type: ignore[no-untyped-def]
        self.written.add(key)
        super().set_credentials(key, creds)


@pytest.fixture
def secret_store(keychain_kind: str) -> Iterator[SecretStore]:
    """A SecretStore under a unique service name, emptied afterwards."""
    service = f"loquent-desktop-test-{uuid.uuid4().hex[:8]}"
    backend = None if keychain_kind == "secret-service" else MemoryKeyring()
    store = _TrackingSecretStore(service, backend=backend)
    store.written = set()
    yield store
    for key in store.written:
        with contextlib.suppress(Exception):
            store.delete(key)


@pytest.fixture(autouse=True)
def _no_blocking_modals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stray exec() would hang the run; dialogs must be opened non-modally and awaited."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    def refuse(self: object, *args: object) -> int:
        raise AssertionError(f"{type(self).__name__}.exec() called: use open() + finished")

    monkeypatch.setattr(QDialog, "exec", refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)


# Closed loops are kept alive: qasync's timer object only flags itself stopped on close, and
# its pending Qt timers fire later; destroying it first makes Qt deliver to a dead object.
_CLOSED_LOOPS: list[object] = []


@pytest.fixture
def qloop(qapp):  # type: ignore[no-untyped-def]
    import qasync

    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()
    _CLOSED_LOOPS.append(loop)
    asyncio.set_event_loop(None)


POSTGRES_ENV = "LOQUENT_TEST_POSTGRES_URL"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database URL on the test PostgreSQL whose connections see only a fresh schema,
    dropped afterwards. Skips without a server, unless LOQUENT_REQUIRE_POSTGRES=1."""
    from sqlalchemy import create_engine, text

    from loquent_desktop.store.database import normalize_url

    if not os.environ.get(POSTGRES_ENV):
        message = f"PostgreSQL tests need {POSTGRES_ENV}; ./dev.sh test starts a server"
        if os.environ.get("LOQUENT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    base = normalize_url(os.environ[POSTGRES_ENV])
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sandbox() -> Iterator[object]:
    """The emulator on its own thread with a small seeded demo account."""
    from loquent_desktop.services.sandbox_session import SandboxSession

    session = SandboxSession.start(numbers=25)
    yield session
    session.stop()


@pytest.fixture
def app_paths(tmp_path: Path):  # type: ignore[no-untyped-def]
    from loquent_desktop.paths import AppPaths

    return AppPaths.under(tmp_path / "home").ensure()


@pytest.fixture
def context(qloop, sandbox, app_paths, secret_store):  # type: ignore[no-untyped-def]
    from loquent_desktop.app import build_context
    from loquent_desktop.settings import Settings

    settings = Settings(twilio_base_url=sandbox.base_url, request_timeout_s=5)
    ctx = qloop.run_until_complete(build_context(app_paths, settings, secret_store, sandbox=None))
    ctx.sandbox_session = sandbox  # type: ignore[attr-defined]
    yield ctx
    qloop.run_until_complete(ctx.aclose())


@pytest.fixture
def window(qtbot, qloop, context):  # type: ignore[no-untyped-def]
    from loquent_desktop.ui.main_window import MainWindow

    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    qloop.run_until_complete(win.load())
    yield win
    qloop.run_until_complete(win.shutdown())


async def wait_until(predicate, timeout: float = 10.0, message: str = "") -> None:  # type: ignore[no-untyped-def]
    """Let the qasync loop run until `predicate()` is true (pytest-qt's waitUntil would not
    drive asyncio tasks)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting: {message or predicate}")
        await asyncio.sleep(0.01)
