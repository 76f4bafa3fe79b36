"""Voice routing: point imported numbers at Loquent, and put their previous routing back.

The one operation that can cut another platform off a number, so every step is checked:

configure  re-fetch → plan (every field before → after, who stops receiving calls) →
           confirm → save the whole previous configuration (one transaction, only if none is
           saved yet) → update on Twilio (a SIP trunk is detached through the Trunking API)
           → re-fetch and verify → record → journal
restore    re-fetch → plan (with any change made since Loquent configured it, which must be
           acknowledged) → confirm → attach the saved SIP trunk again (Trunking API) → write
           every saved field back → verify → forget snapshot

Many numbers make one plan and one journal entry with a per-number outcome, written as each
number finishes; a failure on one number does not stop the others, and running the same
selection again finishes the rest (numbers already done plan no change; numbers a killed run
changed on Twilio but never recorded are recorded). Per-number configure/restore is for BYO
organizations: a Shared organization's numbers get Loquent's URL when they are bought.

One bulk change per organization at a time, across windows, processes and computers sharing
the database: the run holds the lease `voice:{org_id}` (and an in-process guard, since two
windows of one process share a lease holder).

Here: the reads and `prepare_…`, which return a `RoutingChange` (one `PlannedChange` for the
whole selection). The plan text is built by the pure `voice_routing_plans`, the per-number
execution lives in `voice_routing_steps`, and the outcome in `voice_routing_result`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial

from ..domain.errors import LoquentError
from ..domain.records import PhoneNumberRecord
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import NumberRouting
from ..store.repositories import JournalRepository, OrganizationRepository, PhoneNumberRepository
from ..twilio_api.incoming_numbers import IncomingNumbersGateway
from .leases import Leases
from .number_changes import drift_authors
from .plan_runner import PlannedChange, PlanRunner, RunControl
from .twilio_access import TwilioAccess
from .voice_routing_history import RoutingEvent, events_for
from .voice_routing_plans import CONFIGURE, RESTORE, RoutingStep, build_plan, routing_from_record
from .voice_routing_result import RoutingResult
from .voice_routing_steps import (
    GONE,
    OutcomeLog,
    RoutingExecution,
    fetch_or_none,
    gather_limited,
)

SHARED_REFUSED = (
    "This organization uses Loquent's shared Twilio account: its numbers get Loquent's Voice "
    "URL when they are bought, so there is nothing to configure or restore per number."
)
# Past this many numbers, one paged list of the account is cheaper than a fetch per number.
FETCH_ONE_BY_ONE = 20


@dataclass(frozen=True)
class RoutingChange(PlannedChange[RoutingResult]):
    """A routing plan ready to be shown, with the per-number steps confirming it runs."""

    steps: tuple[RoutingStep, ...] = ()

    @property
    def sends_anything(self) -> bool:
        """False when every number is already as planned (or skipped): nothing to confirm."""
        return any(s.changes or s.forget_only or s.record_only for s in self.steps)


class VoiceRoutingService:
    def __init__(
        self,
        access: TwilioAccess,
        phone_numbers: PhoneNumberRepository,
        organizations: OrganizationRepository,
        journal: JournalRepository,
        plans: PlanRunner,
        default_voice_url: str,
        *,
        leases: Leases,
    ) -> None:
        self.access = access
        self.phone_numbers = phone_numbers
        self.organizations = organizations
        self.journal = journal
        self.plans = plans
        self.default_voice_url = default_voice_url
        self.leases = leases
        self._running_for: set[int] = set()  # organizations with a run in this process

    # -- reads ---------------------------------------------------------------------------

    async def is_shared(self, org_id: int) -> bool:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        return not org.byo_twilio

    async def overview(self, org_id: int) -> list[NumberRouting]:
        """Every imported number with its live voice configuration (read-only).

        BYO: one list of the account's numbers (1,000 a page) instead of a fetch per number.
        Shared: the shared account holds everyone's numbers, so each of ours is fetched.
        """
        org = await asyncio.to_thread(self.organizations.get, org_id)
        url = org.effective_voice_url(self.default_voice_url)
        records = await asyncio.to_thread(self.phone_numbers.list_for_org, org_id)
        if not records:
            return []
        account, _ = await self.access.account_for(org_id)
        numbers = account.incoming_numbers
        live: dict[str, VoiceConfig] = {}
        if org.byo_twilio:
            # Each page's configs are built on a worker thread, as the Numbers tab does.
            async for configs in numbers.voice_config_pages():
                live.update(configs)
        else:
            fetched = await gather_limited([fetch_or_none(numbers, r.sid) for r in records])
            live = {r.sid: c for r, c in zip(records, fetched, strict=True) if c is not None}
        return await asyncio.to_thread(self._routings, records, url, live)

    def _routings(
        self, records: list[PhoneNumberRecord], url: str, live: dict[str, VoiceConfig]
    ) -> list[NumberRouting]:
        others = (self.default_voice_url,)
        return [
            routing_from_record(r, url, live.get(r.sid), None if r.sid in live else GONE, others)
            for r in records
        ]

    async def history(self, org_id: int, sid: str) -> list[RoutingEvent]:
        """The number's voice-routing changes from the journal, newest first."""
        entries = await asyncio.to_thread(self.journal.list_actions, org_id, (CONFIGURE, RESTORE))
        return events_for(entries, sid, self.plans.running)

    # -- plans ---------------------------------------------------------------------------

    async def prepare_configure(self, org_id: int, sids: Sequence[str]) -> RoutingChange:
        """Point `sids` at Loquent: the plan (read fresh from Twilio) and its execution."""
        return await self._prepare(org_id, sids, CONFIGURE)

    async def prepare_restore(self, org_id: int, sids: Sequence[str]) -> RoutingChange:
        """Put back the saved previous configuration of `sids`: plan and execution."""
        return await self._prepare(org_id, sids, RESTORE)

    async def _prepare(self, org_id: int, sids: Sequence[str], action: str) -> RoutingChange:
        if not sids:
            raise LoquentError("Select at least one number.")
        if await self.is_shared(org_id):
            raise LoquentError(SHARED_REFUSED)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        url = org.effective_voice_url(self.default_voice_url)
        account, resolved = await self.access.account_for(org_id)
        records = await asyncio.to_thread(self._records, org_id, sids)
        # Always fresh: the plan must show what is on Twilio now, not what we read earlier.
        live = await self._live_configs(account.incoming_numbers, [r.sid for r in records])
        numbers = await asyncio.to_thread(self._routings, records, url, live)
        # A thousand numbers' plan is tens of ms of string work: a worker thread builds it.
        plan, steps = await asyncio.to_thread(
            build_plan, action, org.name, resolved.credentials.masked_sid, numbers
        )
        if action == RESTORE and plan.acknowledge:  # drift: say who made it (Monitor)
            who = await drift_authors(account, resolved.credentials.username, numbers)
            plan = replace(plan, warnings=(*plan.warnings, *who))
        # Names this run's journal entry, so outcomes can be written to it as they come.
        run = uuid.uuid4().hex
        plan = replace(plan, details={**plan.details, "run": run})
        execution = RoutingExecution(
            account.incoming_numbers, account.trunks, self.phone_numbers, org_id, action
        )

        async def execute(control: RunControl) -> RoutingResult:
            async with self._exclusive(org_id, org.name):
                entry = await asyncio.to_thread(
                    self.journal.find_running, run, tuple(self.plans.running)
                )
                write = (
                    None if entry is None else partial(self.journal.merge_result, entry, "numbers")
                )
                return await execution.run(steps, control, OutcomeLog(write))

        return RoutingChange(
            plan,
            org_id,
            execute,
            summarize=RoutingResult.summary,
            outcome=RoutingResult.grade,
            steps=tuple(steps),
        )

    @asynccontextmanager
    async def _exclusive(self, org_id: int, name: str) -> AsyncIterator[None]:
        """Hold the organization's voice-routing lease while a confirmed plan runs: a second
        run (another window, process or computer) is refused before it sends anything."""
        what = f"A voice routing change for {name}"
        if org_id in self._running_for:
            raise LoquentError(f"{what} is already running in this app. Wait for it to end.")
        self._running_for.add(org_id)
        try:
            async with self.leases.hold(f"voice:{org_id}", what):
                yield
        finally:
            self._running_for.discard(org_id)

    async def _live_configs(
        self, numbers: IncomingNumbersGateway, sids: list[str]
    ) -> dict[str, VoiceConfig]:
        """Fresh configurations of `sids` (missing: gone from the account). A few numbers
        are fetched one by one; many are read from the account's list, 1,000 a page."""
        if len(sids) <= FETCH_ONE_BY_ONE:
            fetched = await gather_limited([fetch_or_none(numbers, sid) for sid in sids])
            return {sid: c for sid, c in zip(sids, fetched, strict=True) if c is not None}
        wanted = set(sids)
        found: dict[str, VoiceConfig] = {}
        async for configs in numbers.voice_config_pages():
            found.update((sid, c) for sid, c in configs.items() if sid in wanted)
        return found

    def _records(self, org_id: int, sids: Sequence[str]) -> list[PhoneNumberRecord]:
        """The selected numbers' records, in selection order (one query, not one each)."""
        known = {r.sid: r for r in self.phone_numbers.list_for_org(org_id)}
        records = []
        for sid in dict.fromkeys(sids):
            record = known.get(sid)
            if record is None:
                raise LoquentError(
                    f"Number {sid} is not imported into this organization. Import it on the "
                    "Numbers tab first."
                )
            records.append(record)
        return records


__all__ = [
    "CONFIGURE",
    "RESTORE",
    "SHARED_REFUSED",
    "NumberRouting",
    "RoutingChange",
    "RoutingEvent",
    "RoutingResult",
    "RoutingStep",
    "VoiceRoutingService",
]
