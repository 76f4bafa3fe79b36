"""Composition root: the one start-up path. `start_app(StartOptions)` builds every core object
once (settings, routing, database, keychain, services and, with `--sandbox`, the emulator);
the launcher then only builds the window, and each widget gets only what it needs.

Qt-free, so tests, benchmarks and the command line build the same graph without a window.
Light to import: the services, the store, the twilio layer and keyring are imported inside
`start_app` (or ahead of it by `import_core`), so the launcher can paint the window first.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .domain.errors import LoquentError
from .paths import AppPaths
from .settings import TWILIO_PRODUCTS, Settings, remember_recordings_folder
from .twilio_api.routing import HostRouting

if TYPE_CHECKING:
    # Imported where they are used instead: the launcher imports this module before the
    # window's first paint, and these pull in SQLAlchemy, aiohttp, the twilio library and
    # keyring (about a second). See `import_core()`.
    from .secrets.store import SecretStore
    from .services.connection import ConnectionService
    from .services.event_streams import EventStreamsService
    from .services.history import HistoryServices
    from .services.journal import JournalService
    from .services.last_known import LastKnownService
    from .services.number_changes import NumberChangesService
    from .services.numbers import NumbersService
    from .services.organizations import OrganizationService
    from .services.plan_runner import PlanRunner
    from .services.recordings import RecordingServices
    from .services.sandbox_session import SandboxSession
    from .services.twilio_access import TwilioAccess
    from .services.voice_routing import VoiceRoutingService
    from .store.database import Database
    from .twilio_api.client_factory import TwilioClientFactory
    from .twilio_api.retry import RetryPolicy

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
    # Built from the services above (see _wire): last known state, and who changed a number.
    last_known: LastKnownService = field(init=False)
    number_changes: NumberChangesService = field(init=False)

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
        from .services.sandbox_session import forget_sandbox_secrets

        try:
            if self.sandbox is not None:
                await forget_sandbox_secrets(self)
        except Exception as err:  # a keychain that went away: nothing left to forget
            log.warning("Could not remove the sandbox's keychain entries: %s", err)
        finally:
            await self.last_known.flush()  # a live read still being stored
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
    # Called on a worker thread before an existing database is migrated: the window says
    # so (an upgrade that rebuilds an index takes tens of seconds at a million messages).
    on_upgrade: Callable[[], None] | None = None

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


def import_core() -> None:
    """Import everything `start_app` needs. Qt-free, so the launcher runs it on a worker
    thread after the window's first paint and the window stays responsive meanwhile."""
    from .secrets import store  # noqa: F401
    from .services import (  # noqa: F401
        connection,
        event_streams,
        history,
        journal,
        last_known,
        leases,
        number_changes,
        numbers,
        organizations,
        plan_runner,
        recordings,
        sandbox_session,
        twilio_access,
        voice_routing,
    )
    from .store import database  # noqa: F401
    from .twilio_api import client_factory  # noqa: F401


async def start_app(options: StartOptions) -> AppContext:
    """The one start-up path: emulator (with `options.sandbox`), routing, keychain, database
    and services. Raises InvalidInput for unsafe settings and StartupFailed when the
    database cannot be opened; whatever it started is stopped again before it raises."""
    from .secrets.store import SecretStore
    from .services.sandbox_session import SandboxSession
    from .store.database import open_database
    from .twilio_api.client_factory import TwilioClientFactory

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
                functools.partial(
                    open_database,
                    settings.effective_database_url(paths),
                    on_upgrade=options.on_upgrade,
                )
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
    from .services.connection import ConnectionService
    from .services.event_streams import EventStreamsService
    from .services.history import HistoryServices
    from .services.journal import JournalService
    from .services.last_known import LastKnownService
    from .services.leases import Leases
    from .services.number_changes import NumberChangesService
    from .services.numbers import NumbersService
    from .services.organizations import OrganizationService
    from .services.plan_runner import PlanRunner
    from .services.recordings import RecordingServices
    from .services.twilio_access import TwilioAccess
    from .services.voice_routing import VoiceRoutingService
    from .store.repositories.last_known import LastKnownRepository

    access = TwilioAccess(database.organizations, secrets, factory)
    plans = PlanRunner(database.journal)
    context = AppContext(
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
            event_streams=database.event_streams,
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
            access,
            database,
            plans,
            paths.data_dir / "recordings",
            settings.default_voice_url,
            chosen_folder=Path(settings.recordings_folder) if settings.recordings_folder else None,
            remember_folder=functools.partial(remember_recordings_folder, paths.config_dir),
        ),
        sandbox=sandbox,
    )
    context.last_known = LastKnownService(
        access,
        LastKnownRepository(database.sessions),
        context.numbers,
        context.voice,
        database.phone_numbers,
        database.organizations,
        settings.default_voice_url,
    )
    context.number_changes = NumberChangesService(access)
    return context
