"""Command line entry point: `loquent-desktop [--sandbox] [--screenshot FILE.png] ...`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from . import APP_ID, APP_NAME, __version__

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=APP_ID,
        description=f"{APP_NAME}: connect an organization's Twilio account to Loquent.",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run on the embedded Twilio emulator with a demo account (no Twilio account "
        "needed; uses its own database and keychain entries)",
    )
    parser.add_argument(
        "--sandbox-numbers",
        type=int,
        default=25,
        metavar="N",
        help="owned numbers in the sandbox's demo account (default 25)",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE.png",
        help="open the window, wait until its data has loaded, save a PNG of it and exit",
    )
    parser.add_argument(
        "--tab",
        default="credentials",
        help="tab to show first (credentials, history, ...); handy with --screenshot",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/loquent (default: a SQLite "
        "file in the user data folder; ignored with --sandbox)",
    )
    parser.add_argument(
        "--twilio-base-url",
        metavar="URL",
        help="send every Twilio request (api, events, trunking hosts) to this base URL, e.g. "
        "http://127.0.0.1:8080 for a local Twilio-compatible server",
    )
    parser.add_argument("--debug", action="store_true", help="verbose log")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from .logging_setup import setup_logging
    from .paths import AppPaths
    from .settings import load_settings

    paths = (AppPaths.for_sandbox() if args.sandbox else AppPaths.default()).ensure()
    level = logging.DEBUG if args.debug else logging.INFO
    log_file = setup_logging(paths.log_dir, level, level if args.debug else logging.WARNING)
    settings = load_settings(paths.config_dir)
    if args.database_url:
        settings = replace(settings, database_url=args.database_url)
    if args.twilio_base_url:
        settings = replace(settings, twilio_base_url=args.twilio_base_url.rstrip("/"))
    log.info(
        "Starting %s %s (sandbox=%s), log at %s", APP_NAME, __version__, args.sandbox, log_file
    )
    from .app import routing_for
    from .domain.errors import InvalidInput

    try:
        routing_for(settings)
    except InvalidInput as err:
        print(f"{APP_ID}: {err}", file=sys.stderr)
        return 2

    import qasync
    from PySide6.QtWidgets import QApplication

    from .ui.resources import app_icon

    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    # The run coroutine decides when to stop, after closing HTTP sessions cleanly.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from .ui.launcher import run

    with loop:
        code = loop.run_until_complete(run(args, paths, settings))
    return code


if __name__ == "__main__":
    sys.exit(main())
