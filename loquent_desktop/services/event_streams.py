"""SMS and call event streaming: Twilio Event Streams set up in the organization's own account.

Setting up creates (or reuses) a webhook sink to the organization's events URL and one
subscription per stream kind; removing deletes the subscription, and the sink only when no
other subscription uses it (checked live, right before deleting). Both are account changes of
the one shape: `prepare_setup` / `prepare_remove` read the account and return a
`PlannedChange` (the plan from `event_stream_plans`, built from a design that
`event_stream_setup` / `event_stream_removal` decide); `PlanRunner.apply` shows it and, once
confirmed, carries it out. Status and plans only read.

After the plan is confirmed nothing is done that the plan did not show: the account is read
again first, and if it changed in a way that matters the change stops with "changed since the
plan was shown; nothing (more) was sent — look again". Another organization's stream on the
same account is never adopted, extended or deleted.

Changes to one Twilio account take turns (`ChangeTurns`): from the plan to the end of its
execution, so SMS and calls set up together (or two organizations connected to the same
account) cannot both create a sink, and a second change plans from what the first left.

Shared organizations cannot stream on their own: Loquent's shared account serves several
organizations and Event Streams are account-wide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..domain import validation
from ..domain.errors import LoquentError
from ..domain.event_streams import (
    Access,
    StreamKind,
    StreamsOverview,
    normalize_destination,
    organization_tag,
    stream_types,
)
from ..domain.plans import Plan
from ..domain.records import OrganizationRecord
from ..store.repositories import EventStreamRepository, OrganizationRepository
from .event_stream_change import ChangedSincePlan, NothingToChange, StreamChange, StreamTarget
from .event_stream_plans import RemoveDesign, SetupDesign, remove_plan, setup_plan
from .event_stream_reads import read_account
from .event_stream_records import StreamRecords
from .event_stream_removal import apply_remove, design_remove
from .event_stream_setup import apply_setup, design_setup
from .event_stream_status import (
    elsewhere,
    leftover_sink,
    locate,
    other_sinks,
    recorded_streams,
    stream_status,
)
from .event_stream_turns import ChangeTurns
from .plan_runner import PlannedChange, RunControl
from .twilio_access import TwilioAccess

__all__ = [
    "ChangedSincePlan",
    "EventStreamsService",
    "NothingToChange",
    "StreamChange",
]

D = TypeVar("D", SetupDesign, RemoveDesign)

SHARED_REFUSED = (
    "Shared mode: Loquent's shared Twilio account serves several organizations, and Event "
    "Streams are account-wide, so Loquent streams the shared account's events itself. There "
    "is nothing to set up per organization."
)


class EventStreamsService:
    def __init__(
        self,
        access: TwilioAccess,
        organizations: OrganizationRepository,
        streams: EventStreamRepository,
        default_events_url: str,
    ) -> None:
        self.access = access
        self.organizations = organizations
        self.streams = streams
        self.records = StreamRecords(streams)
        self.default_events_url = default_events_url
        self.turns = ChangeTurns()

    # -- events URL (local setting) ------------------------------------------------------

    async def set_events_url(self, org_id: int, url: str) -> OrganizationRecord:
        """Empty means the app's default. Streams already set up keep their destination until
        they are removed and set up again (status says so)."""
        text = url.strip()
        cleaned = normalize_destination(validation.https_url(text, "events_url")) if text else None
        return await asyncio.to_thread(self.organizations.set_events_url, org_id, cleaned)

    # -- status (read-only) --------------------------------------------------------------

    async def status(self, org_id: int) -> StreamsOverview:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        url = normalize_destination(org.effective_events_url(self.default_events_url))
        is_default = org.events_url is None
        if not org.byo_twilio or not org.is_connected:
            return await self._unmanageable(org, url, is_default)
        twilio, resolved = await self.access.account_for(org_id)
        gateway = twilio.event_streams
        account, catalog, records, claims = await asyncio.gather(
            read_account(gateway),
            gateway.list_event_types(),
            self.records.list_for(org_id),
            self.records.claims(org_id),
        )
        by_kind = {r.kind: r for r in records}
        mark = organization_tag(org.keychain_id)
        streams = {}
        for kind in StreamKind:
            record, own = by_kind.get(kind.value), kind.description_for(mark)
            found = locate(kind, record, account, url, own, claims)
            subscribed = (
                await gateway.list_subscribed_events(found.subscription.sid)
                if found.subscription
                else {}
            )
            wanted = stream_types(kind, catalog)
            other = None if found.subscription else elsewhere(kind, account, own, claims)
            left = leftover_sink(record, found, account, claims)
            streams[kind] = stream_status(
                kind, record, found, url, subscribed, wanted, account, left, other
            )
        return StreamsOverview(
            org.name,
            Access.BYO,
            url,
            is_default,
            account=resolved.credentials.masked_sid,
            sms=streams[StreamKind.SMS],
            calls=streams[StreamKind.CALLS],
            other_sinks=other_sinks(account, url, records, claims),
        )

    async def _unmanageable(
        self, org: OrganizationRecord, url: str, is_default: bool
    ) -> StreamsOverview:
        """Shared, or BYO without credentials: Twilio is not read. Streams recorded while the
        organization used its own account are still shown (Twilio keeps sending their events)
        with how to remove them, from the records alone."""
        access = Access.SHARED if not org.byo_twilio else Access.NOT_CONNECTED
        records = await self.records.list_for(org.id)
        account = org.masked_account_sid if org.twilio_account_sid else None
        streams = recorded_streams(records, access, account)
        return StreamsOverview(
            org.name,
            access,
            url,
            is_default,
            account=org.masked_account_sid if org.twilio_account_sid else "—",
            sms=streams.get(StreamKind.SMS),
            calls=streams.get(StreamKind.CALLS),
        )

    # -- set up and remove ---------------------------------------------------------------

    async def prepare_setup(self, org_id: int, kind: StreamKind) -> PlannedChange[StreamChange]:
        """The plan for setting up `kind`, decided from the account as it is now; raises
        NothingToChange when it is complete."""
        return await self._prepare(org_id, kind, design_setup, setup_plan, apply_setup)

    async def prepare_remove(self, org_id: int, kind: StreamKind) -> PlannedChange[StreamChange]:
        """The plan for removing `kind`; raises NothingToChange when it is not there."""
        return await self._prepare(org_id, kind, design_remove, remove_plan, apply_remove)

    async def _prepare(
        self,
        org_id: int,
        kind: StreamKind,
        design: Callable[[StreamTarget, StreamKind, StreamRecords], Awaitable[D]],
        plan_of: Callable[[D, str, str], Plan],
        apply: Callable[[StreamTarget, D, StreamRecords], Awaitable[StreamChange]],
    ) -> PlannedChange[StreamChange]:
        """Wait for the account's turn, then decide from the account as it is now (after any
        change before ours has landed). The turn lasts until the runner is done with the
        change (see `event_stream_turns`)."""
        org = await asyncio.to_thread(self.organizations.get, org_id)
        turn = await self.turns.take((org.twilio_account_sid or f"organization {org_id}").lower())
        try:
            target = await self._target(org_id)  # as it is now, after waiting our turn
            decided = await design(target, kind, self.records)
            plan = plan_of(decided, target.org.name, target.account)
        except BaseException:
            turn.end()
            raise

        async def execute(_control: RunControl) -> StreamChange:
            async with turn.for_execution():
                return await apply(target, decided, self.records)

        return PlannedChange(
            plan,
            org_id,
            execute,
            summarize=StreamChange.summary,
            outcome=StreamChange.grade,
            release=turn.end,
        )

    async def _target(self, org_id: int) -> StreamTarget:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        if not org.byo_twilio:
            raise LoquentError(SHARED_REFUSED)
        url = validation.https_url(org.effective_events_url(self.default_events_url), "events_url")
        account, resolved = await self.access.account_for(org_id)
        return StreamTarget(
            org, account.event_streams, resolved.credentials.masked_sid, normalize_destination(url)
        )
