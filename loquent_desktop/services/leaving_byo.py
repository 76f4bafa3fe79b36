"""Leaving BYO safely: before an organization switches to Shared or is disconnected, what
Loquent left on its own Twilio account (numbers pointing at Loquent, event streams), and one
planned change that restores the numbers and removes the streams first.

The plan is composed of the existing ones: `VoiceRoutingService.prepare_restore` for every
number with a saved configuration, and the event stream removal designs
(`event_stream_removal`), decided inside the account's turn (`EventStreamsService.turns`)
so that no other stream change plans from a state this one is about to change. The switch
itself is local and left to the caller, once the plan succeeded. Saved configurations are
kept either way: Restore works again once the organization is BYO (and connected) again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from ..domain.errors import LoquentError
from ..domain.event_streams import StreamKind, normalize_destination
from ..domain.validation import https_url
from .event_stream_change import NothingToChange, StreamChange, StreamTarget
from .event_stream_plans import RemoveDesign, remove_plan
from .event_stream_removal import apply_remove, design_remove
from .event_streams import EventStreamsService
from .leaving_byo_plans import Leaving, WhatStays, leave_plan
from .plan_runner import PlannedChange, RunControl
from .voice_routing import RoutingChange, RoutingResult, VoiceRoutingService

NOTHING_TO_UNDO = (
    "Nothing to restore or remove: no number has a saved configuration to write back and no "
    "event stream of this organization is on the account."
)


@dataclass(frozen=True)
class LeaveResult:
    routing: RoutingResult | None
    streams: tuple[StreamChange, ...]
    errors: tuple[str, ...]  # stream removals that failed, in words

    def summary(self) -> dict[str, Any]:
        return {
            "numbers": self.routing.outcomes if self.routing is not None else {},
            "streams": [s.summary() for s in self.streams],
            "errors": list(self.errors),
        }

    def grade(self) -> tuple[str, str | None]:
        grades = [s.grade() for s in self.streams]
        if self.routing is not None:
            grades.insert(0, self.routing.grade())
        problems = [error for outcome, error in grades if outcome != "succeeded" and error]
        problems += list(self.errors)
        done = sum(1 for outcome, _ in grades if outcome == "succeeded")
        if not problems and done == len(grades):
            return "succeeded", None
        return ("partial" if done else "failed"), "; ".join(problems) or None

    @property
    def complete(self) -> bool:
        return self.grade()[0] == "succeeded"


class LeavingByoService:
    def __init__(self, voice: VoiceRoutingService, streams: EventStreamsService) -> None:
        self.voice = voice
        self.streams = streams
        self.organizations = voice.organizations
        self.phone_numbers = voice.phone_numbers

    async def what_stays(self, org_id: int) -> WhatStays:
        """From Loquent's database only (no Twilio read): fast enough to ask before every
        switch, and still right when the credentials no longer work."""

        def read() -> WhatStays:
            org = self.organizations.get(org_id)
            numbers = self.phone_numbers.list_for_org(org_id)
            records = self.streams.streams.list_for(org_id)
            return WhatStays(
                organization=org.name,
                account=org.masked_account_sid if org.twilio_account_sid else "",
                connected=org.byo_twilio and org.is_connected,
                restorable=tuple(n.phone_number for n in numbers if n.snapshot_taken_at),
                loquent_only=tuple(
                    n.phone_number
                    for n in numbers
                    if n.routed_to_loquent and n.snapshot_taken_at is None
                ),
                streams=tuple(
                    kind.label
                    for kind in StreamKind  # SMS first, whatever the database's order
                    if any(r.kind == kind.value and r.subscription_sid for r in records)
                ),
            )

        return await asyncio.to_thread(read)

    async def prepare(self, org_id: int, leaving: Leaving) -> PlannedChange[LeaveResult]:
        """One plan: restore every number with a saved configuration, then remove the
        organization's event streams. Raises LoquentError when there is nothing to undo."""
        stays = await self.what_stays(org_id)
        if not stays.connected:
            raise LoquentError(
                "Connect the organization's credentials first: restoring and removing need "
                "its own account."
            )
        routing = await self._restore(org_id, stays)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        key = (org.twilio_account_sid or f"organization {org_id}").lower()
        turn = await self.streams.turns.take(key)
        try:
            target = await self._target(org_id)
            designs = await self._removals(target)
        except BaseException:
            turn.end()
            raise
        parts = [routing.plan] if routing is not None else []
        parts += [remove_plan(d, target.org.name, target.account) for d in designs]
        if not parts:
            turn.end()
            raise LoquentError(NOTHING_TO_UNDO)
        plan = leave_plan(org.name, target.account, parts, leaving)
        if routing is not None:  # the restore journals each number's outcome as it goes
            plan = replace(plan, details={**plan.details, "run": routing.plan.details["run"]})

        async def execute(control: RunControl) -> LeaveResult:
            restored = await routing.execute(control) if routing is not None else None
            changes: list[StreamChange] = []
            errors: list[str] = []
            async with turn.for_execution():
                for design in designs:
                    try:
                        changes.append(await apply_remove(target, design, self.streams.records))
                    except LoquentError as err:  # the next one is still worth trying
                        errors.append(f"{design.kind.label}: {err}")
            return LeaveResult(restored, tuple(changes), tuple(errors))

        def release() -> None:
            turn.end()
            if routing is not None and routing.release is not None:
                routing.release()

        return PlannedChange(
            plan,
            org_id,
            execute,
            summarize=LeaveResult.summary,
            outcome=LeaveResult.grade,
            release=release,
        )

    async def _restore(self, org_id: int, stays: WhatStays) -> RoutingChange | None:
        if not stays.restorable:
            return None
        records = await asyncio.to_thread(self.phone_numbers.list_for_org, org_id)
        sids = [r.sid for r in records if r.snapshot_taken_at]
        change = await self.voice.prepare_restore(org_id, sids)
        return change if change.sends_anything else None

    async def _target(self, org_id: int) -> StreamTarget:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        url = https_url(org.effective_events_url(self.streams.default_events_url), "events_url")
        account, resolved = await self.streams.access.account_for(org_id)
        return StreamTarget(
            org, account.event_streams, resolved.credentials.masked_sid, normalize_destination(url)
        )

    async def _removals(self, target: StreamTarget) -> list[RemoveDesign]:
        """A removal design per stream that is there. When both share a sink, the first
        leaves it to the second, and the second counts the first's subscription as gone:
        the sink is deleted once, after both subscriptions (if nothing else uses it)."""
        designs: list[RemoveDesign] = []
        for kind in StreamKind:
            try:
                designs.append(await design_remove(target, kind, self.streams.records))
            except NothingToChange:
                continue
        if len(designs) == 2:
            first, second = designs
            one = first.sink.sid if first.sink else None
            other = second.sink.sid if second.sink else None
            if one is not None and one == other and first.subscription is not None:
                gone = first.subscription.sid
                users = tuple(s for s in second.sink_users if s.sid != gone)
                designs[1] = replace(second, sink_users=users)
        return designs
