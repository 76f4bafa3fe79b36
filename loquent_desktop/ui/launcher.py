"""Builds the window over the context `app.start_app` made, runs it on the qasync loop until
it closes, and shuts down cleanly (tasks cancelled, then `AppContext.aclose`: sandbox
credentials forgotten, HTTP sessions closed, database disposed, emulator stopped)."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from ..app import AppContext, StartOptions, start_app
from ..domain.errors import LoquentError
from ..services.sandbox_session import prepare_sandbox_organizations
from .dialogs.awaitable import answer
from .main_window import MainWindow

log = logging.getLogger(__name__)


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


async def startup(window: MainWindow, context: AppContext) -> None:
    """Everything the window shows on first paint; errors land in the window, not a crash."""
    first: int | None = None
    if context.sandbox is not None:
        try:
            first = await prepare_sandbox_organizations(context, context.sandbox)
        except LoquentError as err:
            window.statusBar().showMessage(str(err), 30000)
            await window.load()
            window.credentials_tab.error.setText(str(err))
            return
    await window.load(first)


async def save_screenshot(window: MainWindow, path: str, tab: str) -> int:
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


async def run(options: StartOptions, screenshot: Path | None = None, tab: str = "") -> int:
    """`screenshot`: save a PNG of the loaded window there and exit instead of waiting for
    the user to close it; `tab`: the tab to show first."""
    interactive = screenshot is None
    try:
        context = await start_app(options)
    except LoquentError as err:  # the database cannot be opened, an unsafe Twilio target
        return await _fatal(str(err), interactive)
    except Exception as exc:  # e.g. the emulator could not listen: a bug or the machine
        log.info("Start-up failed", exc_info=exc)  # the log file only; stderr gets the line
        return await _fatal(f"Could not start: {type(exc).__name__}: {exc}", interactive)

    window = MainWindow(context)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def window_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    window.closed.connect(window_closed)
    window.show()
    code = 0
    try:
        await window.tasks.start(startup(window, context), "Loading")
        settle_garbage_collector()
        if tab:
            window.select_tab(tab)
        if screenshot is not None:
            code = await save_screenshot(window, str(screenshot), tab)
        else:
            await closed
    except LoquentError as err:
        code = await _fatal(str(err), interactive)
    finally:
        await window.shutdown()
        window.hide()
        window.deleteLater()
        await context.aclose()
    return code
