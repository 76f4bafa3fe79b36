"""Suite-wide fixtures: a qasync loop, the emulator, a real keychain where the machine has
one, and an app context wired exactly as the real app wires it (`app.start_app`).

Nothing here may touch the user's real folders: LOQUENT_HOME points at a temp dir before any
app code runs.

No test may hang. pytest-timeout's signal method raises its timeout from a SIGALRM handler,
and Python runs signal handlers only while it runs Python code: a test waiting inside Qt's
event loop (C++) with nothing scheduled would never see it. So a timer gives Python control
every TICK_MS while any Qt loop runs, and the qasync loop of `qloop` turns the timeout raised
there into the test's failure instead of letting PySide or asyncio catch it and wait on.
tests/test_timeouts.py proves it.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LOQUENT_HOME"] = tempfile.mkdtemp(prefix="loquent-test-home-")

import contextlib

import keyring
import pytest

from loquent_desktop.secrets.store import SecretStore
from tests.support.memory_keyring import MemoryKeyring


def _probe_keychain() -> bool:
    try:
        from keyring.backends import SecretService

        backend = keyring.get_keyring()
        if not isinstance(backend, SecretService.Keyring):
            return False
        backend.get_password("loquent-desktop-test-probe", "probe")
        return True
    except Exception:
        return False


def _real_keychain(timeout_s: float = 15.0) -> bool:
    """Bounded: a locked keyring with a display waits for a password prompt nobody sees, and
    this runs on import, before any test timeout is armed. A keychain that does not answer
    counts as none (and fails the run under LOQUENT_REQUIRE_KEYCHAIN=1)."""
    answer: list[bool] = []
    probe = threading.Thread(target=lambda: answer.append(_probe_keychain()), daemon=True)
    probe.start()
    probe.join(timeout_s)
    return bool(answer and answer[0])


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


TICK_MS = 50


def _let_python_run() -> None:
    """Deliberately empty: being called is the point (pending signal handlers run)."""


@pytest.fixture(scope="session")
def qapp(qapp):  # type: ignore[no-untyped-def]
    """pytest-qt's QApplication, plus the timer that lets timeouts fire inside Qt loops."""
    from PySide6.QtCore import QTimer

    ticker = QTimer()
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(_let_python_run)
    ticker.start()
    yield qapp
    ticker.stop()


@functools.cache
def _test_loop_class() -> type:
    import qasync

    class LoopTimer(qasync._SimpleTimer):  # type: ignore[misc, name-defined]
        """qasync's timer, which runs the loop's callbacks, made to run them as the running
        loop even when Qt delivers its events outside `run_until_complete`.

        pytest-qt calls `processEvents()` after each test's setup, call and teardown. A task
        step scheduled just before (a load that a selection change started) then ran with no
        running asyncio loop, and aiohttp's `get_running_loop()` failed: "no running event
        loop", a failure that came and went with the machine's load. The app itself never
        meets this: it runs every callback inside `run_forever`."""

        def __init__(self, loop: Any) -> None:
            super().__init__()
            self._loop = loop

        def timerEvent(self, event: Any) -> None:  # Qt calls it by this name
            if asyncio.events._get_running_loop() is not None:
                super().timerEvent(event)
                return
            asyncio.events._set_running_loop(self._loop)
            try:
                super().timerEvent(event)
            finally:
                asyncio.events._set_running_loop(None)

    class TestLoop(qasync.QEventLoop):  # type: ignore[misc, name-defined]
        """A qasync loop whose run_until_complete ends with the timeout that fires in it.

        pytest-timeout's SIGALRM handler raises its failure wherever Python happens to be;
        inside a Qt loop that is a slot or a task step, where PySide or asyncio would catch
        it and carry on waiting. During a run its handler is called from a wrapper that
        also keeps the failure and stops the loop; run_until_complete then raises it."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._timer = LoopTimer(self)  # no callback is registered yet: nothing is lost

        def run_until_complete(self, future: Any) -> Any:
            original = signal.getsignal(signal.SIGALRM) if hasattr(signal, "SIGALRM") else None
            if not callable(original):  # no timeout armed (or no SIGALRM on this OS)
                return super().run_until_complete(future)
            interrupted: list[BaseException] = []

            def on_alarm(signum: int, frame: FrameType | None) -> None:
                try:
                    original(signum, frame)  # pytest-timeout: dump the stacks, then fail
                except BaseException as exc:
                    interrupted.append(exc)
                    self.stop()
                    if frame is None or frame.f_code is not _let_python_run.__code__:
                        raise  # Python code was running (a task step that never yields?)

            signal.signal(signal.SIGALRM, on_alarm)
            try:
                return super().run_until_complete(future)
            except RuntimeError:  # "Event loop stopped before Future completed."
                if interrupted:
                    raise interrupted[0].with_traceback(None) from None
                raise
            finally:
                signal.signal(signal.SIGALRM, original)

    return TestLoop


# Closed loops are kept alive: qasync's timer object only flags itself stopped on close, and
# its pending Qt timers fire later; destroying it first makes Qt deliver to a dead object.
_CLOSED_LOOPS: list[object] = []
# What a test's left-over tasks get to finish after being cancelled.
TEARDOWN_WAIT_S = 30.0


@pytest.fixture
def qloop(qapp):  # type: ignore[no-untyped-def]
    qapp.setQuitOnLastWindowClosed(False)
    loop = _test_loop_class()(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        # Bounded: a task that ignores its cancellation must not hang the run.
        _, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=TEARDOWN_WAIT_S))
        assert not stuck, f"tasks still running after cancel: {stuck}"
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


REQUEST_TIMEOUT_S = 20.0


def no_wait_retries() -> Any:
    """The app's retry rules without the waiting: a test of retries must not sleep through
    real back-off (or a Retry-After) delays."""
    from loquent_desktop.twilio_api.retry import RetryPolicy

    return RetryPolicy(base_delay_s=0.0, max_delay_s=0.0, jitter=0.0)


@pytest.fixture
def context(qloop, sandbox, app_paths, secret_store):  # type: ignore[no-untyped-def]
    """The app's context as `start_app` builds it, on the `sandbox` emulator (started and
    stopped by that fixture, so a test can stop it early or share it)."""
    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.settings import Settings

    # Generous: on a loaded machine a slow answer must not become a test failure (or, where
    # a dialog stays open for the user to retry, a test that waits for it to close).
    settings = Settings(twilio_base_url=sandbox.base_url, request_timeout_s=REQUEST_TIMEOUT_S)
    options = StartOptions(app_paths, settings, secrets=secret_store, retry=no_wait_retries())
    ctx = qloop.run_until_complete(start_app(options))
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
