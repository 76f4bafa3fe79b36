"""`--sandbox`: the embedded emulator with a seeded demo account, and the organizations that
show it off (one BYO organization connected to the demo account, one on the shared account).

The emulator runs on its own thread and loop, so serializing big pages never stalls the GUI.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..domain.credentials import Credentials
from ..sandbox.emulator import Emulator, start_emulator
from ..sandbox.seed import SeedInfo
from ..sandbox.server import SandboxServer
from ..secrets.store import SHARED_KEY, org_key

if TYPE_CHECKING:
    from ..app import AppContext

BYO_ORG = "Northwind Dental (BYO demo)"
SHARED_ORG = "Acme Clinics (Shared demo)"


@dataclass
class SandboxSession:
    """The running emulator, with its demo accounts as the app's `Credentials`."""

    emulator: Emulator

    @property
    def server(self) -> SandboxServer:
        return self.emulator.server

    @property
    def seed(self) -> SeedInfo:
        return self.emulator.seed

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    @classmethod
    def start(
        cls,
        numbers: int = 25,
        fixed_credentials: bool = False,
        messages: int = 40,
        calls: int = 30,
        recent: bool = False,
    ) -> SandboxSession:
        """`fixed_credentials`: the same demo tokens every run (tests that look for the token
        on disk need to know it; the app sets it from LOQUENT_SANDBOX_FIXED_CREDENTIALS).
        `recent`: the seeded history ends now (the app) instead of on a fixed date (tests,
        which want the same data every run)."""
        emulator = start_emulator(
            numbers=numbers,
            messages=messages,
            calls=calls,
            recordings=10,
            fixed_credentials=fixed_credentials,
            history_end=datetime.now(UTC) if recent else None,
        )
        return cls(emulator)

    def stop(self) -> None:
        self.emulator.stop()

    @property
    def demo_credentials(self) -> Credentials:
        return Credentials(self.seed.account_sid, self.seed.auth_token)

    @property
    def shared_credentials(self) -> Credentials:
        return Credentials(self.seed.shared_account_sid, self.seed.shared_auth_token)


async def forget_sandbox_secrets(context: AppContext) -> None:
    """The demo credentials die with the emulator: leave nothing of them in the keychain."""

    def work() -> None:
        for org in context.database.organizations.list():
            context.secrets.delete(org_key(org.keychain_id))
        context.secrets.delete(SHARED_KEY)

    await asyncio.to_thread(work)


SANDBOX_IMPORTED = 12


async def prepare_sandbox_organizations(context: AppContext, session: SandboxSession) -> int:
    """Connect through the same services a user goes through, validation included.
    Returns the BYO organization's id (the one to show first)."""
    await context.connection.connect_shared(session.shared_credentials)
    existing = {org.name: org for org in await context.organizations.list()}
    byo = existing.get(BYO_ORG) or await context.organizations.add(BYO_ORG)
    await context.organizations.set_mode(byo.id, True)
    await context.connection.connect(byo.id, session.demo_credentials)
    if SHARED_ORG not in existing:
        await context.organizations.add(SHARED_ORG)
    # A few numbers already imported, so Voice routing has something to show on first run
    # while the Numbers tab's Import still has the rest to offer.
    owned = await context.numbers.list_owned(byo.id)
    await context.numbers.import_numbers(byo.id, owned[:SANDBOX_IMPORTED])
    return byo.id
