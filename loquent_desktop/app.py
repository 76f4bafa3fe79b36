"""Composition root: the one start-up path. `start_app(StartOptions)` builds every core object
once (settings, routing, database, keychain, services and, with `--sandbox`, the emulator);
the launcher then only builds the window, and each widget gets only what it needs.

Qt-free, so tests, benchmarks and the command line build the same graph without a window.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from .domain.errors import LoquentError
from .paths import AppPaths
from .secrets.store import SecretStore
from .services.connection import ConnectionService
from .services.event_streams import EventStreamsService
from .services.history import HistoryServices
from .services.journal import JournalService
from .services.leases import Leases
from .services.numbers import NumbersService
from .services.organizations import OrganizationService
from .services.plan_runner import PlanRunner
from .services.recordings import RecordingServices
from .services.sandbox_session import SandboxSession, forget_sandbox_secrets
from .services.twilio_access import TwilioAccess
from .services.voice_routing import VoiceRoutingService
from .settings import TWILIO_PRODUCTS, Settings
from .store.database import Database, open_database
from .twilio_api.client_factory import TwilioClientFactory
from .twilio_api.retry import RetryPolicy
from .twilio_api.routing import HostRouting

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    paths: AppPaths
    settings: Settings
    database: Database
    secrets: SecretStore
    factory: TwilioClientFactory
    access: TwilioAccess
    organizations: OrganizationService
    connection: ConnectionService
    plans: PlanRunner
    journal: JournalService
    numbers: NumbersService
    event_streams: EventStreamsService
    voice: VoiceRoutingService
    history: HistoryServices
    recordings: RecordingServices
    sandbox: SandboxSession | None = None  # the emulator this context started (--sandbox)

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def twilio_redirect(self) -> str | None:
        """Where Twilio requests go instead of Twilio itself (for the status bar), or None
        when they go to Twilio."""
        routing = self.factory.routing
        return None if routing.is_real_twilio else routing.describe()

    async def aclose(self) -> None:
        """Forget the sandbox's throw-away credentials, close network sessions (no 'Unclosed
        client session' warnings), then the database, then stop the emulator."""
        try:
            if self.sandbox is not None:
                await forget_sandbox_secrets(self)
        except Exception as err:  # a keychain that went away: nothing left to forget
            log.warning("Could not remove the sandbox's keychain entries: %s", err)
        finally:
            await self.factory.aclose()
            await asyncio.to_thread(self.database.dispose)
            if self.sandbox is not None:
                await asyncio.to_thread(self.sandbox.stop)


@dataclass(frozen=True)
class SandboxOptions:
    """`--sandbox`: the emulator's demo account. A year of history ending today, so the Sync
    tab has something real-looking to copy."""

    numbers: int = 25
    messages: int = 3000
    calls: int = 1200
    # The same demo tokens every run (LOQUENT_SANDBOX_FIXED_CREDENTIALS=1): a test that looks
    # for the token on disk needs to know it.
    fixed_credentials: bool = False


@dataclass(frozen=True)
class StartOptions:
    """Everything the app is started with: from the command line (cli.start_options), a
    test's fixture or a benchmark."""

    paths: AppPaths
    settings: Settings
    # Start the emulator and send every Twilio request to it (its own database and keychain
    # service name come with `AppPaths.for_sandbox()`).
    sandbox: SandboxOptions | None = None
    # Default: the OS keychain under the app's service name (the sandbox's with `sandbox`).
    secrets: SecretStore | None = None
    # Default: RetryPolicy(). Tests pass one without back-off delays.
    retry: RetryPolicy | None = None

    def check(self) -> None:
        """Raise InvalidInput for settings that must stop the app before anything starts
        (a Twilio target that would expose credentials)."""
        routing_for(self.settings)


class StartupFailed(LoquentError):
    """The app cannot start; the message says why in the user's words."""


def routing_for(settings: Settings) -> HostRouting:
    """Raises InvalidInput for a target that would expose credentials (see check_target)."""
    products = {p: u for p in TWILIO_PRODUCTS if (u := settings.twilio_product_urls.get(p))}
    return HostRouting(base_url=settings.twilio_base_url, products=products)


def remove_sqlite_file(path: Path) -> None:
    """The sandbox's database starts empty each run: the emulator's state is new each run."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def database_problem(exc: BaseException) -> str:
    """The driver's own first line ("connection refused", "password authentication failed"),
    without SQLAlchemy's wrapping; never the URL, which may hold a password."""
    if isinstance(exc, LoquentError):
        return str(exc)
    original = getattr(exc, "orig", None) or exc
    first = (str(original).strip().splitlines() or [""])[0]
    return f"{first[:300].rstrip('.')}. Check the database URL in the settings or --database-url."


async def start_app(options: StartOptions) -> AppContext:
    """The one start-up path: emulator (with `options.sandbox`), routing, keychain, database
    and services. Raises InvalidInput for unsafe settings and StartupFailed when the
    database cannot be opened; whatever it started is stopped again before it raises."""
    paths, settings = options.paths.ensure(), options.settings
    sandbox: SandboxSession | None = None
    if options.sandbox is not None:
        demo = options.sandbox
        sandbox = await asyncio.to_thread(
            functools.partial(
                SandboxSession.start,
                numbers=demo.numbers,
                fixed_credentials=demo.fixed_credentials,
                messages=demo.messages,
                calls=demo.calls,
                recent=True,
            )
        )
        settings = replace(settings, twilio_base_url=sandbox.base_url, twilio_product_urls={})
    try:
        if paths.sandbox:
            # Never the real database, whatever the settings say.
            remove_sqlite_file(paths.database_file)
            settings = replace(settings, database_url=None)
        routing = routing_for(settings)
        secrets = options.secrets or SecretStore.for_app(sandbox=sandbox is not None)
        try:
            database = await asyncio.to_thread(
                open_database, settings.effective_database_url(paths)
            )
        except Exception as exc:  # a broken database URL or a failed migration
            # The traceback goes to the log file only (stderr shows warnings and up).
            log.info("Opening the database failed", exc_info=True)
            raise StartupFailed(f"Could not open the database. {database_problem(exc)}") from None
    except BaseException:
        if sandbox is not None:
            await asyncio.to_thread(sandbox.stop)
        raise
    factory = TwilioClientFactory(
        routing, timeout_s=settings.request_timeout_s, retry=options.retry
    )
    return _wire(paths, settings, database, secrets, factory, sandbox)


def _wire(
    paths: AppPaths,
    settings: Settings,
    database: Database,
    secrets: SecretStore,
    factory: TwilioClientFactory,
    sandbox: SandboxSession | None,
) -> AppContext:
    access = TwilioAccess(database.organizations, secrets, factory)
    plans = PlanRunner(database.journal)
    return AppContext(
        paths=paths,
        settings=settings,
        database=database,
        secrets=secrets,
        factory=factory,
        access=access,
        organizations=OrganizationService(
            database.organizations, secrets, database.phone_numbers, database.event_streams
        ),
        connection=ConnectionService(access),
        plans=plans,
        journal=JournalService(database.journal, plans),
        numbers=NumbersService(
            access,
            database.phone_numbers,
            database.organizations,
            plans,
            settings.default_voice_url,
        ),
        voice=VoiceRoutingService(
            access,
            database.phone_numbers,
            database.organizations,
            database.journal,
            plans,
            settings.default_voice_url,
            leases=Leases(database.leases),
        ),
        event_streams=EventStreamsService(
            access,
            database.organizations,
            database.event_streams,
            settings.default_events_url,
        ),
        history=HistoryServices.build(access, database),
        recordings=RecordingServices.build(
            access, database, plans, paths.data_dir / "recordings", settings.default_voice_url
        ),
        sandbox=sandbox,
    )
