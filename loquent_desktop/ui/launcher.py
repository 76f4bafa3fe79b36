"""Starts the window on the qasync loop, runs it until it closes, and shuts down cleanly
(tasks cancelled, HTTP sessions closed, database disposed, emulator stopped)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from dataclasses import replace

from PySide6.QtWidgets import QApplication, QMessageBox

from ..app import AppContext, build_context
from ..domain.errors import LoquentError
from ..paths import AppPaths
from ..secrets.store import SecretStore
from ..services.sandbox_session import (
    SandboxSession,
    forget_sandbox_secrets,
    prepare_sandbox_organizations,
)
from ..settings import Settings
from .dialogs.awaitable import answer
from .main_window import MainWindow

log = logging.getLogger(__name__)

SANDBOX_MESSAGES, SANDBOX_CALLS = 3000, 1200


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


def database_problem(exc: BaseException) -> str:
    """The driver's own first line ("connection refused", "password authentication failed"),
    without SQLAlchemy's wrapping; never the URL, which may hold a password."""
    if isinstance(exc, LoquentError):
        return str(exc)
    original = getattr(exc, "orig", None) or exc
    first = (str(original).strip().splitlines() or [""])[0]
    return f"{first[:300].rstrip('.')}. Check the database URL in the settings or --database-url."


async def startup(window: MainWindow, context: AppContext) -> None:
    """Everything the window shows on first paint; errors land in the window, not a crash."""
    first: int | None = None
    if isinstance(context.sandbox, SandboxSession):
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


async def run(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
    interactive = args.screenshot is None
    secrets = SecretStore.for_app(sandbox=args.sandbox)
    sandbox: SandboxSession | None = None
    if args.sandbox:
        fixed = os.environ.get("LOQUENT_SANDBOX_FIXED_CREDENTIALS") == "1"
        # A year of history ending today, so the Sync tab has something real-looking to copy.
        sandbox = await asyncio.to_thread(
            SandboxSession.start, args.sandbox_numbers, fixed, SANDBOX_MESSAGES, SANDBOX_CALLS, True
        )
        settings = replace(settings, twilio_base_url=sandbox.base_url, twilio_product_urls={})
    try:
        context = await build_context(paths, settings, secrets, sandbox)
    except Exception as exc:  # a broken database URL or a failed migration
        # The traceback goes to the log file only (stderr shows warnings and up).
        log.info("Start-up failed", exc_info=True)
        if sandbox is not None:
            sandbox.stop()
        return await _fatal(f"Could not open the database. {database_problem(exc)}", interactive)

    window = MainWindow(context)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.show()
    code = 0
    try:
        await window.tasks.start(startup(window, context), "Loading")
        settle_garbage_collector()
        if args.tab:
            window.select_tab(args.tab)
        if args.screenshot is not None:
            code = await save_screenshot(window, str(args.screenshot), args.tab)
        else:
            await closed
    except LoquentError as err:
        code = await _fatal(str(err), interactive)
    finally:
        await window.shutdown()
        window.hide()
        window.deleteLater()
        try:
            if sandbox is not None:
                await forget_sandbox_secrets(context)
        except Exception as err:  # a keychain that went away: nothing left to forget
            log.warning("Could not remove the sandbox's keychain entries: %s", err)
        finally:
            await context.aclose()
    return code
