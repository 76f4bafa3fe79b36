"""Shows the window, builds it over the context `app.start_app` makes, runs it on the qasync
loop until it closes, and shuts down cleanly (tasks cancelled, then `AppContext.aclose`:
sandbox credentials forgotten, HTTP sessions closed, database disposed, emulator stopped).

The window's frame paints first; only then are the core's modules imported (on a worker
thread: SQLAlchemy, the twilio library, keyring take about a second), the database opened
(and migrated only when it is behind), the emulator started with `--sandbox`, and the tabs'
pages built. So the window appears about as fast as an empty Qt window does.

`LOQUENT_STARTUP_PROBE=FILE` (for `bench/bench_startup.py`): append `first_paint <time>` when
the window first paints and `ready <time>` when its first data has loaded, as `time.time()`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from ..app import AppContext, StartOptions, import_core, start_app
from ..domain.errors import LoquentError
from .dialogs.awaitable import answer
from .main_window import MainWindow
from .window_state import WindowState

log = logging.getLogger(__name__)

PROBE_ENV = "LOQUENT_STARTUP_PROBE"
# A window that never paints (minimised at start on some desktops) must not hold start-up.
FIRST_PAINT_TIMEOUT_S = 2.0
UPGRADING = (
    "Upgrading the database to this version… With a large history this can take a minute; "
    "it happens once."
)


def probe(event: str) -> None:
    """Append `event time.time()` to $LOQUENT_STARTUP_PROBE, when set."""
    path = os.environ.get(PROBE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{event} {time.time():.6f}\n")


class _FirstPaint(QObject):
    """Resolves `painted` at the window's first paint event."""

    def __init__(self, painted: asyncio.Future[None]) -> None:
        super().__init__()
        self.painted = painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted.done():
            probe("first_paint")
            self.painted.set_result(None)
        return False


async def show_and_paint(window: MainWindow) -> None:
    """Show `window` and return once it has painted (or after FIRST_PAINT_TIMEOUT_S)."""
    painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    watcher = _FirstPaint(painted)
    window.installEventFilter(watcher)
    window.show()
    try:
        await asyncio.wait_for(painted, FIRST_PAINT_TIMEOUT_S)
    except TimeoutError:
        log.info("The window did not paint within %.1f s; starting anyway", FIRST_PAINT_TIMEOUT_S)
    finally:
        window.removeEventFilter(watcher)


async def _fatal(text: str, interactive: bool) -> int:
    print(f"loquent-desktop: {text}", file=sys.stderr)
    if interactive:
        box = QMessageBox(QMessageBox.Icon.Critical, "Loquent Desktop cannot start", text)
        await answer(box)
    return 1


def settle_garbage_collector() -> None:
    """Move everything alive after start-up (Qt wrappers, the twilio library's modules, …) out
    of the collector's sight. Otherwise each full collection walks it all again, and loading
    10,000 numbers triggers several that freeze the window for 50-100 ms each."""
    gc.collect()
    gc.freeze()


async def startup(window: MainWindow, context: AppContext, remembered: int | None = None) -> None:
    """Everything the window shows on first paint; errors land in the window, not a crash.
    `remembered`: the organization chosen last time, chosen again."""
    from ..services.sandbox_session import prepare_sandbox_organizations

    first: int | None = remembered
    if context.sandbox is not None:
        try:
            demo = await prepare_sandbox_organizations(context, context.sandbox)
            first = remembered or demo
        except LoquentError as err:
            window.statusBar().showMessage(str(err), 30000)
            await window.load()
            window.credentials_tab.error.setText(str(err))
            return
    await window.load(first)


async def save_screenshot(window: MainWindow, path: str, tab: str) -> int:
    if tab:
        window.select_tab(tab)
    await window.tasks.wait_idle()
    # Two turns of the loop let layouts settle and the tab paint before the grab.
    for _ in range(3):
        QApplication.processEvents()
        await asyncio.sleep(0.05)
    if not window.grab().save(path):
        print(f"loquent-desktop: could not write {path}", file=sys.stderr)
        return 1
    print(f"Saved {path}")
    return 0


async def run(
    options: StartOptions,
    screenshot: Path | None = None,
    tab: str = "",
    size: tuple[int, int] | None = None,
) -> int:
    """`screenshot`: save a PNG of the loaded window there and exit instead of waiting for
    the user to close it; `tab`: the tab to show first; `size`: the window's size. What is
    not given comes from how the user left the window last time (never for a screenshot:
    those show the same window every time)."""
    interactive = screenshot is None
    window = MainWindow(sandbox=options.sandbox is not None)
    state = WindowState(options.paths.config_dir) if screenshot is None else None
    if state is not None:
        state.restore_layout(window, geometry=size is None)  # the frame: only the geometry
    if size is not None:
        window.resize(*size)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def window_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    window.closed.connect(window_closed)
    await show_and_paint(window)
    window.statusBar().showMessage("Starting…")
    loop = asyncio.get_running_loop()

    def upgrading() -> None:  # on the thread opening the database
        loop.call_soon_threadsafe(window.show_starting, UPGRADING)

    try:
        await asyncio.to_thread(import_core)
        context = await start_app(replace(options, on_upgrade=upgrading))
    except BaseException as exc:
        window.hide()
        window.deleteLater()
        if isinstance(exc, LoquentError):  # the database cannot be opened, an unsafe target
            return await _fatal(str(exc), interactive)
        if not isinstance(exc, Exception):
            raise
        # e.g. the emulator could not listen: a bug or the machine
        log.info("Start-up failed", exc_info=exc)  # the log file only; stderr gets the line
        return await _fatal(f"Could not start: {type(exc).__name__}: {exc}", interactive)

    code = 0
    try:
        window.attach(context)
        window.statusBar().clearMessage()
        if state is not None:
            state.restore_layout(window, geometry=False)  # splitters and columns, now built
        remembered = state.organization() if state is not None else None
        await window.tasks.start(startup(window, context, remembered), "Loading")
        probe("ready")
        settle_garbage_collector()
        if tab:
            window.select_tab(tab)
        elif state is not None and state.tab() in window.tab_names():
            window.select_tab(state.tab())
        if screenshot is not None:
            code = await save_screenshot(window, str(screenshot), tab)
        else:
            await closed
            org = window.selection.current
            state.save(window, window.tabs, org.id if org else None)  # type: ignore[union-attr]
    except LoquentError as err:
        code = await _fatal(str(err), interactive)
    finally:
        await window.shutdown()
        window.hide()
        window.deleteLater()
        await context.aclose()
    return code
