"""Composition root: builds the core objects once and hands each widget only what it needs.

Qt-free, so tests and the command line can build the same graph without a window.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from .paths import AppPaths
from .secrets.store import SecretStore
from .services.connection import ConnectionService
from .services.event_streams import EventStreamsService
from .services.history import HistoryServices
from .services.journal import JournalService
from .services.numbers import NumbersService
from .services.organizations import OrganizationService
from .services.plan_runner import PlanRunner
from .services.twilio_access import TwilioAccess
from .services.voice_routing import VoiceRoutingService
from .settings import TWILIO_PRODUCTS, Settings
from .store.database import Database, open_database
from .twilio_api.client_factory import TwilioClientFactory
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
    sandbox: object | None = None  # sandbox.session.SandboxSession when running on the emulator

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    async def aclose(self) -> None:
        """Close network sessions first (no 'Unclosed client session' warnings), then the DB."""
        await self.factory.aclose()
        await asyncio.to_thread(self.database.dispose)
        stop = getattr(self.sandbox, "stop", None)
        if stop is not None:
            await asyncio.to_thread(stop)


def routing_for(settings: Settings) -> HostRouting:
    """Raises InvalidInput for a target that would expose credentials (see check_target)."""
    products = {p: u for p in TWILIO_PRODUCTS if (u := settings.twilio_product_urls.get(p))}
    return HostRouting(base_url=settings.twilio_base_url, products=products)


def remove_sqlite_file(path: Path) -> None:
    """The sandbox's database starts empty each run: the emulator's state is new each run."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


async def build_context(
    paths: AppPaths,
    settings: Settings,
    secrets: SecretStore,
    sandbox: object | None = None,
) -> AppContext:
    paths.ensure()
    if paths.sandbox:
        # Never the real database, whatever the settings say.
        remove_sqlite_file(paths.database_file)
        settings = replace(settings, database_url=None)
    database = await asyncio.to_thread(open_database, settings.effective_database_url(paths))
    factory = TwilioClientFactory(routing_for(settings), timeout_s=settings.request_timeout_s)
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
        ),
        event_streams=EventStreamsService(
            access,
            database.organizations,
            database.event_streams,
            plans,
            settings.default_events_url,
        ),
        history=HistoryServices.build(access, database),
        sandbox=sandbox,
    )
