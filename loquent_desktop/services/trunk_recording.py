"""SIP trunks and their recording: list them with their numbers (read-only), and change a
trunk's recording mode through the one plan path (plan → confirm → execute → journal).

The plan's before is kept in the journal, so "Restore previous mode" is just another change
whose target is that before value (read from the newest succeeded entry for the trunk).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..domain.errors import LoquentError
from ..domain.trunks import Trunk, TrunkNumber, TrunkRecording
from ..store.repositories import JournalRepository, OrganizationRepository
from .plan_runner import PlannedChange, RunControl
from .trunk_recording_plans import ACTION, build_trunk_recording_plan
from .twilio_access import TwilioAccess


@dataclass(frozen=True)
class TrunkView:
    """A trunk as the SIP trunks page shows it."""

    trunk: Trunk
    numbers: tuple[TrunkNumber, ...]
    previous_mode: str | None  # what "Restore previous mode" would put back, if anything


class TrunkRecordingService:
    def __init__(
        self, access: TwilioAccess, organizations: OrganizationRepository,
        journal: JournalRepository,
    ) -> None:  # fmt: skip
        self.access = access
        self.organizations = organizations
        self.journal = journal

    async def list_trunks(self, org_id: int) -> list[TrunkView]:
        """The account's trunks, each with its numbers and recording (GETs only)."""
        account, _ = await self.access.account_for(org_id)
        trunks = await account.trunks.list_trunks()
        numbers = await asyncio.gather(*(account.trunks.list_numbers(t.sid) for t in trunks))
        previous = await asyncio.to_thread(self._previous_modes, org_id)
        return [
            TrunkView(t, tuple(n), previous.get(t.sid))
            for t, n in zip(trunks, numbers, strict=True)
        ]

    def _previous_modes(self, org_id: int) -> dict[str, str]:
        """Per trunk, the `before` of its newest succeeded change (newest first)."""
        found: dict[str, str] = {}
        for entry in self.journal.list_actions(org_id, (ACTION,)):
            details = (entry.plan or {}).get("details") or {}
            sid, before = details.get("trunk_sid"), details.get("before")
            if entry.outcome == "succeeded" and sid and before and sid not in found:
                found[sid] = before
        return found

    async def prepare_mode_change(
        self, org_id: int, trunk_sid: str, mode: str, *, restore: bool = False
    ) -> PlannedChange[TrunkRecording]:
        """Read the trunk fresh, build the plan, and return what confirming it sends."""
        org = await asyncio.to_thread(self.organizations.get, org_id)
        account, resolved = await self.access.account_for(org_id)
        trunks = {t.sid: t for t in await account.trunks.list_trunks()}
        trunk = trunks.get(trunk_sid)
        if trunk is None:
            raise LoquentError(f"SIP trunk {trunk_sid} is not on this account any more.")
        live = await account.trunks.fetch_recording(trunk_sid)
        trunk = Trunk(trunk.sid, trunk.friendly_name, trunk.domain_name, live, trunk.date_updated)
        numbers = await account.trunks.list_numbers(trunk_sid)
        plan = build_trunk_recording_plan(
            org.name, resolved.credentials.masked_sid, trunk, numbers, mode, restore=restore
        )

        async def execute(control: RunControl) -> TrunkRecording:
            return await account.trunks.update_recording(trunk_sid, mode=mode)

        return PlannedChange(
            plan, org_id, execute,
            summarize=lambda done: {"mode": done.mode, "trim": done.trim},
        )  # fmt: skip
