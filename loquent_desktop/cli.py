"""Command line entry point: `loquent-desktop [--sandbox] [--screenshot FILE.png] ...`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import APP_ID, APP_NAME, __version__

if TYPE_CHECKING:
    from .app import StartOptions
    from .paths import AppPaths

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
        default="",
        help="tab to show first: credentials, numbers, voice (routing), sync, recordings or "
        "journal; any unambiguous start of a tab's name works (default: the last one shown)",
    )
    parser.add_argument(
        "--size",
        type=window_size,
        metavar="WxH",
        help="window size in pixels, e.g. 1024x640 (default: the size it had last time)",
    )
    parser.add_argument(
        "--color-scheme",
        choices=("light", "dark"),
        help="light or dark colours regardless of the system's (default: the system's)",
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
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="-",
        metavar="REPORT.txt",
        help="check that this installation works here (keychain, TLS trust store, database, Qt "
        "platform plugin, sandbox), print PASS/FAIL for each (also into REPORT.txt) and exit 1 "
        "on any failure; with --twilio-base-url https://... also a TLS handshake with it",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(argv)


def window_size(text: str) -> tuple[int, int]:
    """'1024x640' -> (1024, 640), for --size."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1024x640")
    size = int(width), int(height)
    if not (320 <= size[0] <= 10000 and 240 <= size[1] <= 10000):
        raise argparse.ArgumentTypeError(f"'{text}' is not a usable window size")
    return size


def app_paths(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> AppPaths:
    from .paths import AppPaths

    env = dict(os.environ if env is None else env)
    return AppPaths.for_sandbox(env) if args.sandbox else AppPaths.default(env)


def start_options(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, paths: AppPaths | None = None
) -> StartOptions:
    """What `app.start_app` needs, from the command line, the settings file and the
    environment (LOQUENT_HOME, LOQUENT_DATABASE_URL, LOQUENT_TWILIO_BASE_URL, ...)."""
    from .app import SandboxOptions, StartOptions
    from .settings import load_settings

    env = os.environ if env is None else env
    paths = paths or app_paths(args, env)
    settings = load_settings(paths.config_dir, env)
    if args.database_url:
        settings = replace(settings, database_url=args.database_url)
    if args.twilio_base_url:
        settings = replace(settings, twilio_base_url=args.twilio_base_url.rstrip("/"))
    sandbox = None
    if args.sandbox:
        fixed = env.get("LOQUENT_SANDBOX_FIXED_CREDENTIALS") == "1"
        sandbox = SandboxOptions(numbers=args.sandbox_numbers, fixed_credentials=fixed)
    return StartOptions(paths, settings, sandbox=sandbox)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_test is not None:
        # Before any folder, log or window: the self-test must not touch the user's data.
        from .self_test import run_self_test

        return run_self_test(args.self_test, twilio_base_url=args.twilio_base_url)
    from .domain.errors import InvalidInput
    from .file_modes import restrict_new_files
    from .logging_setup import setup_logging

    restrict_new_files()  # before the first folder, log line or database page is written
    paths = app_paths(args).ensure()
    level = logging.DEBUG if args.debug else logging.INFO
    log_file = setup_logging(paths.log_dir, level, level if args.debug else logging.WARNING)
    options = start_options(args, paths=paths)  # after the log: settings problems are logged
    log.info(
        "Starting %s %s (sandbox=%s), log at %s", APP_NAME, __version__, args.sandbox, log_file
    )
    try:
        options.check()  # before any window: an unsafe Twilio target is a usage error
    except InvalidInput as err:
        print(f"{APP_ID}: {err}", file=sys.stderr)
        return 2

    import qasync
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from .domain.validation import set_home_region
    from .ui.color_scheme import apply_color_scheme
    from .ui.launcher import run
    from .ui.resources import app_icon

    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    existing = QApplication.instance()  # typed QCoreApplication: a widgets app is needed
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    apply_color_scheme(app, args.color_scheme)
    set_home_region(QLocale.system().name().partition("_")[2])  # numbers as the user dials them
    # The run coroutine decides when to stop, after closing HTTP sessions cleanly.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        code = loop.run_until_complete(run(options, args.screenshot, args.tab, size=args.size))
    return code


if __name__ == "__main__":
    sys.exit(main())
