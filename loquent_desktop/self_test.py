"""`loquent-desktop --self-test`: does this installed copy work on this computer?

Installers run it on the installed program (CI, the release workflow) and support asks users
to run it. Each check uses the real part the app uses, never a stand-in:

- keychain: the backend keyring selects, named, with a throw-away entry written, read back and
  deleted (a bundle that lost keyring's backends, or a locked keychain, fails here);
- TLS trust: the OS trust store the app verifies Twilio's certificate against, and with
  `--twilio-base-url https://...` a real handshake with that server;
- database: a throw-away SQLite file migrated to the newest revision (Alembic's scripts are
  read from the bundle at run time);
- Qt platform plugin: the plugin Qt will use loads (a missing system library is named), and
  with a display it opens;
- sandbox: the bundled Twilio emulator answers the twilio library over the app's HTTP client.

It prints one PASS/FAIL line per check (and writes them to REPORT when given: a windowed
Windows program has no console) and returns 1 when any check fails. It touches neither the
user's database nor their keychain entries.
"""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import ssl
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import APP_NAME, __version__

SELF_TEST_SERVICE = "loquent-desktop-self-test"
# A locked keychain waits for a prompt; the self-test must end even when nobody answers it.
KEYCHAIN_TIMEOUT_S = 15.0
NETWORK_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name:<20} {self.detail}"


class CheckFailed(Exception):
    """A check's failure, with the sentence to print."""


def check_keychain(timeout_s: float = KEYCHAIN_TIMEOUT_S) -> str:
    from .secrets.store import SecretStore

    store = SecretStore(SELF_TEST_SERVICE, timeout_s=timeout_s)
    try:
        name = store.backend_name()
    except Exception as exc:
        found = ", ".join(
            sorted(type(b).__module__ + "." + type(b).__name__ for b in _all_backends())
        )
        raise CheckFailed(f"{exc} (backends found: {found or 'none'})") from None
    key = f"check-{uuid.uuid4().hex[:12]}"
    try:
        store.check_round_trip(key, secrets.token_urlsafe(24))
    except Exception as exc:
        raise CheckFailed(f"{name}: {exc}") from None
    return f"{name}: wrote, read and deleted a test entry"


def _all_backends() -> list[object]:
    try:
        from keyring.backend import get_all_keyring

        return list(get_all_keyring())
    except Exception:
        return []


def check_tls(base_url: str | None = None, timeout_s: float = NETWORK_TIMEOUT_S) -> str:
    from .twilio_api.tls import linux_ca_locations, ssl_context, trust_store_description

    context = ssl_context()
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise CheckFailed("certificate verification is switched off")
    detail = f"OS trust store: {trust_store_description()}"
    if sys.platform.startswith("linux"):
        # The bundle and the hashed folder usually hold the same certificates.
        count = max([_count_certificates(path) for path in linux_ca_locations()], default=0)
        if count == 0:
            raise CheckFailed(
                f"no CA certificates in {trust_store_description()}: install the "
                "distribution's CA certificates (apt install ca-certificates)"
            )
        detail += f" ({count} certificates)"
    if base_url and urlsplit(base_url).scheme == "https":
        detail += "; " + _handshake(context, base_url, timeout_s)
    return detail


def _count_certificates(path: str) -> int:
    target = Path(path)
    try:
        if target.is_dir():
            return sum(1 for p in target.iterdir() if p.suffix[1:].isdigit() and "." in p.name)
        return target.read_bytes().count(b"-----BEGIN CERTIFICATE-----")
    except OSError:
        return 0


def _handshake(context: ssl.SSLContext, base_url: str, timeout_s: float) -> str:
    import socket

    from .twilio_api.tls import untrusted_message

    parts = urlsplit(base_url)
    host, port = parts.hostname or "", parts.port or 443
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            version = tls.version()
    except ssl.SSLCertVerificationError as exc:
        raise CheckFailed(untrusted_message(host, exc.verify_message or "")) from None
    except OSError as exc:
        raise CheckFailed(f"could not reach {host}:{port}: {exc}") from None
    return f"TLS handshake with {host}:{port} verified ({version})"


def check_database() -> str:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from .store.database import alembic_config, open_database

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    with tempfile.TemporaryDirectory(prefix="loquent-self-test-") as folder:
        database = open_database(f"sqlite:///{Path(folder) / 'self-test.sqlite3'}")
        try:
            with database.engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_heads()
        finally:
            database.dispose()
    if set(current) != set(heads):
        raise CheckFailed(f"migrated to {current}, but the newest revision is {heads}")
    return f"SQLite migrated to {', '.join(heads)}"


def check_qt() -> str:
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    name = (os.environ.get("QT_QPA_PLATFORM") or _default_platform()).split(":")[0].split(";")[0]
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    candidates = sorted(p for p in folder.glob(f"*q{name}.*") if p.suffix in _PLUGIN_SUFFIXES)
    if not candidates:
        present = ", ".join(sorted(p.name for p in folder.glob("*"))) or "none"
        raise CheckFailed(f"no '{name}' platform plugin in {folder} (present: {present})")
    loader = QPluginLoader(str(candidates[0]))
    if not loader.load():
        # The loader's message names the missing system library (libxcb-cursor.so.0, ...).
        raise CheckFailed(f"{candidates[0].name} does not load: {loader.errorString()}")
    detail = f"{candidates[0].name} loads"
    if not _has_display(name):
        return detail + "; no display to open a window on (DISPLAY/WAYLAND_DISPLAY unset)"
    from PySide6.QtGui import QFontDatabase, QGuiApplication

    if QGuiApplication.instance() is None:
        # Kept referenced until the function returns: the check reads the live platform.
        app = QGuiApplication([sys.argv[0]])  # noqa: F841
    platform_name = QGuiApplication.platformName()
    screen = QGuiApplication.primaryScreen()
    size = screen.size() if screen else None
    fonts = len(QFontDatabase.families())
    if fonts == 0:
        raise CheckFailed(f"platform {platform_name} opened, but no fonts are installed")
    shown = f"{size.width()}x{size.height()}" if size else "no screen"
    return f"{detail}; platform {platform_name} opened ({shown}, {fonts} font families)"


_PLUGIN_SUFFIXES = {".so", ".dll", ".dylib"}


def _default_platform() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "cocoa"
    return "wayland" if os.environ.get("XDG_SESSION_TYPE") == "wayland" else "xcb"


def _has_display(platform_name: str) -> bool:
    if not sys.platform.startswith("linux") or platform_name in ("offscreen", "minimal"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def check_sandbox(timeout_s: float = NETWORK_TIMEOUT_S) -> str:
    from .domain.credentials import Credentials
    from .sandbox.emulator import start_emulator
    from .twilio_api.client_factory import TwilioClientFactory
    from .twilio_api.routing import HostRouting

    with start_emulator(numbers=3, messages=0, calls=0) as emulator:
        seed, base_url = emulator.seed, emulator.base_url
        factory = TwilioClientFactory(HostRouting(base_url=emulator.base_url), timeout_s)

        async def read_numbers() -> int:
            try:
                client = factory.client(
                    Credentials.from_auth_token(seed.account_sid, seed.auth_token)
                )
                account = client.api.v2010.accounts(seed.account_sid)
                return len(await account.incoming_phone_numbers.list_async(limit=10))
            finally:
                await factory.aclose()

        count = asyncio.run(asyncio.wait_for(read_numbers(), timeout_s))
    if count != 3:
        raise CheckFailed(f"the emulator listed {count} numbers instead of 3")
    return f"emulator at {base_url} listed {count} numbers through the twilio library"


def run_checks(twilio_base_url: str | None = None) -> list[CheckResult]:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("keychain", check_keychain),
        ("tls trust", lambda: check_tls(twilio_base_url)),
        ("database", check_database),
        ("sandbox", check_sandbox),
        # Last: with a display that cannot be reached, Qt aborts the process.
        ("qt platform plugin", check_qt),
    ]
    return [_run(name, check) for name, check in checks]


def _run(name: str, check: Callable[[], str]) -> CheckResult:
    started = time.monotonic()
    try:
        detail = check()
        ok = True
    except CheckFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # any surprise is a failure of this check, not a crash
        detail, ok = f"{type(exc).__name__}: {exc}", False
    result = CheckResult(name, ok, f"{detail} [{time.monotonic() - started:.1f}s]")
    _emit(result.line())
    return result


_report: Path | None = None


def _emit(line: str) -> None:
    # A windowed Windows program has no stdout; the report file is then the only output.
    if sys.stdout is not None:
        print(line, flush=True)
    if _report is not None:
        with _report.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def run_self_test(report: str | None = None, twilio_base_url: str | None = None) -> int:
    """Run every check; 0 when all pass, 1 otherwise. `report` ("-" or None: none) is a file
    that receives the same lines as stdout."""
    global _report
    _report = Path(report).resolve() if report and report != "-" else None
    if _report is not None:
        _report.parent.mkdir(parents=True, exist_ok=True)
        _report.write_text("", encoding="utf-8")
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    _emit(
        f"{APP_NAME} {__version__} self-test on {platform.system()} {platform.release()} "
        f"({platform.machine()}), Python {platform.python_version()}, {frozen}"
    )
    results = run_checks(twilio_base_url)
    failed = [r.name for r in results if not r.ok]
    _emit(
        f"{len(results) - len(failed)} of {len(results)} checks passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0
