"""Voice routing: point imported numbers at Loquent, and put their previous routing back.

The one operation that can cut another platform off a number, so every step is checked:

configure  re-fetch → plan (every field before → after, who stops receiving calls) →
           confirm → save the whole previous configuration (one transaction, only if none is
           saved yet) → update on Twilio → re-fetch and verify → record → journal
restore    re-fetch → plan (with any change made since Loquent configured it, which must be
           acknowledged) → confirm → write every saved field back → verify → forget snapshot

Many numbers make one plan and one journal entry with a per-number outcome; a failure on
one number does not stop the others, and running the same selection again finishes the rest
(numbers already done plan no change). Per-number configure/restore is for BYO
organizations: a Shared organization's numbers get Loquent's URL when they are bought.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain.errors import LoquentError, TwilioApiError
from ..domain.plans import Plan
from ..domain.records import PhoneNumberRecord
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import (
    FIELDS,
    NumberRouting,
    differences,
    restore_params,
    same_routing,
    sent_fields_match,
    update_params,
)
from ..store.repositories import JournalRepository, OrganizationRepository, PhoneNumberRepository
from ..twilio_api.errors import translate_errors
from ..twilio_api.paging import pages
from .plan_runner import Confirm, PlanRunner
from .twilio_access import TwilioAccess
from .voice_routing_history import RoutingEvent, events_for
from .voice_routing_plans import (
    CONFIGURE,
    RESTORE,
    RoutingStep,
    build_plan,
    journal_config,
    routing_from_record,
)

log = logging.getLogger(__name__)

SHARED_REFUSED = (
    "This organization uses Loquent's shared Twilio account: its numbers get Loquent's Voice "
    "URL when they are bought, so there is nothing to configure or restore per number."
)
CHANGED_SINCE_PLAN = (
    "Changed on Twilio after the plan was shown, so nothing was sent. Run it again to see "
    "a plan with the new configuration."
)
OUTCOME_UNKNOWN = (
    "Twilio's answer was lost and the number could not be read back: the change may have "
    "been applied. Refresh to see the live configuration."
)
# Parallel requests while planning or applying a bulk change: fast on a real account,
# gentle enough to stay clear of Twilio's rate limits (429s are retried anyway).
CONCURRENCY = 4
# Past this many numbers, one paged list of the account is cheaper than a fetch per number.
FETCH_ONE_BY_ONE = 20


# Per-number outcomes that leave work to do, in the words a summary uses.
PROBLEMS = {
    "failed": "failed",
    "changed": "changed since the plan (not sent)",
    "unknown": "outcome unknown",
    "not started": "not started",
}


@dataclass
class RoutingResult:
    """Per-number outcomes of one confirmed routing plan, in plan order."""

    action: str
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o["outcome"] == outcome)

    @property
    def failed(self) -> int:
        return self.count("failed")

    def summary(self) -> dict[str, Any]:
        return {"numbers": self.outcomes}

    def grade(self) -> tuple[str, str | None]:
        """The journal's outcome for the whole plan, and what went wrong in words."""
        ok = sum(self.count(o) for o in ("succeeded", "unchanged", "skipped"))
        if ok == len(self.outcomes):
            return "succeeded", None
        problems = [
            f"{count} {words}"
            for outcome, words in PROBLEMS.items()
            if (count := self.count(outcome))
        ]
        text = f"{len(self.outcomes) - ok} of {len(self.outcomes)} numbers: " + ", ".join(problems)
        if self.count("succeeded") == 0 and self.count("not started") == len(self.outcomes):
            return "cancelled", "Stopped before any number was changed"
        return ("failed" if ok == 0 else "partial"), text

    def describe(self) -> str:
        parts = [f"{self.count('succeeded')} done"]
        if unchanged := self.count("unchanged"):
            parts.append(f"{unchanged} already as planned")
        if skipped := self.count("skipped"):
            parts.append(f"{skipped} skipped")
        parts += [f"{c} {words}" for o, words in PROBLEMS.items() if (c := self.count(o))]
        return ", ".join(parts)

    @property
    def needs_rerun(self) -> bool:
        return any(self.count(o) for o in ("failed", "changed", "unknown", "not started"))


class VoiceRoutingService:
    def __init__(
        self,
        access: TwilioAccess,
        phone_numbers: PhoneNumberRepository,
        organizations: OrganizationRepository,
        journal: JournalRepository,
        plans: PlanRunner,
        default_voice_url: str,
    ) -> None:
        self.access = access
        self.phone_numbers = phone_numbers
        self.organizations = organizations
        self.journal = journal
        self.plans = plans
        self.default_voice_url = default_voice_url

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
        client, _ = await self.access.client_for(org_id)
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        live: dict[str, VoiceConfig] = {}
        if org.byo_twilio:
            async for page in pages(api):
                # Building 1,000 library instances and configs takes tens of ms: off the
                # GUI loop, as the Numbers tab does.
                live.update(await asyncio.to_thread(_configs_of_page, page))
        else:
            fetched = await _gather_limited([self._fetch_or_none(api, r.sid) for r in records])
            live = {r.sid: c for r, c in zip(records, fetched, strict=True) if c is not None}
        return await asyncio.to_thread(self._routings, records, url, live)

    def _routings(
        self, records: list[PhoneNumberRecord], url: str, live: dict[str, VoiceConfig]
    ) -> list[NumberRouting]:
        others = (self.default_voice_url,)
        return [
            routing_from_record(r, url, live.get(r.sid), None if r.sid in live else _GONE, others)
            for r in records
        ]

    async def history(self, org_id: int, sid: str) -> list[RoutingEvent]:
        """The number's voice-routing changes from the journal, newest first."""
        entries = await asyncio.to_thread(self.journal.list_actions, org_id, (CONFIGURE, RESTORE))
        return events_for(entries, sid, self.plans.running)

    # -- plans ---------------------------------------------------------------------------

    async def plan_configure(
        self, org_id: int, sids: Sequence[str]
    ) -> tuple[Plan, list[RoutingStep]]:
        return await self._plan(org_id, sids, CONFIGURE)

    async def plan_restore(
        self, org_id: int, sids: Sequence[str]
    ) -> tuple[Plan, list[RoutingStep]]:
        return await self._plan(org_id, sids, RESTORE)

    async def _plan(
        self, org_id: int, sids: Sequence[str], action: str
    ) -> tuple[Plan, list[RoutingStep]]:
        if not sids:
            raise LoquentError("Select at least one number.")
        if await self.is_shared(org_id):
            raise LoquentError(SHARED_REFUSED)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        url = org.effective_voice_url(self.default_voice_url)
        client, resolved = await self.access.client_for(org_id)
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        records = await asyncio.to_thread(self._records, org_id, sids)
        # Always fresh: the plan must show what is on Twilio now, not what we read earlier.
        live = await self._live_configs(api, [r.sid for r in records])
        numbers = await asyncio.to_thread(self._routings, records, url, live)
        # A thousand numbers' plan is tens of ms of string work: a worker thread builds it.
        return await asyncio.to_thread(
            build_plan, action, org.name, resolved.credentials.masked_sid, numbers
        )

    async def _live_configs(self, api: Any, sids: list[str]) -> dict[str, VoiceConfig]:
        """Fresh configurations of `sids` (missing: gone from the account). A few numbers
        are fetched one by one; many are read from the account's list, 1,000 a page."""
        if len(sids) <= FETCH_ONE_BY_ONE:
            fetched = await _gather_limited([self._fetch_or_none(api, sid) for sid in sids])
            return {sid: c for sid, c in zip(sids, fetched, strict=True) if c is not None}
        wanted = set(sids)
        found: dict[str, VoiceConfig] = {}
        async for page in pages(api):
            configs = await asyncio.to_thread(_configs_of_page, page)
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

    # -- execution -----------------------------------------------------------------------

    async def apply(
        self,
        org_id: int,
        plan: Plan,
        steps: list[RoutingStep],
        confirm: Confirm,
        progress: Callable[[int, int], None] | None = None,
        stop: asyncio.Event | None = None,
    ) -> RoutingResult:
        """Confirm `plan`, then carry out its steps; raises PlanCancelled on cancel (and
        sends nothing). `stop` ends the run between numbers (the rest are "not started")."""
        client, _ = await self.access.client_for(org_id)
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        result = RoutingResult(plan.action)
        for step in steps:  # plan order, whatever order they finish in
            result.outcomes[step.sid] = {
                "phone_number": step.phone_number,
                "outcome": "not started",
            }
        done = 0

        async def one(step: RoutingStep) -> None:
            nonlocal done
            if stop is not None and stop.is_set():
                return
            entry = result.outcomes[step.sid]
            try:
                entry.update(await self._carry_out(org_id, api, plan.action, step))
            except LoquentError as exc:
                entry.update(outcome="failed", error=str(exc))
            except Exception as exc:  # a bug must not stop the other numbers either
                log.error("Voice routing of %s failed", step.sid, exc_info=True)
                entry.update(outcome="failed", error=f"Unexpected error ({type(exc).__name__})")
            finally:
                done += 1
                if progress is not None:
                    progress(done, len(steps))

        async def execute() -> RoutingResult:
            await _gather_limited([one(step) for step in steps])
            return result

        return await self.plans.run(
            plan,
            confirm,
            execute,
            org_id,
            summarize=RoutingResult.summary,
            outcome=RoutingResult.grade,
        )

    async def _carry_out(
        self, org_id: int, api: Any, action: str, step: RoutingStep
    ) -> dict[str, Any]:
        if step.skip:
            return {"outcome": "skipped", "error": step.skip}
        if not step.changes and not step.forget_only:
            return {"outcome": "unchanged"}
        # The user confirmed what the dialog showed. If the number changed since (the
        # Console, another platform), sending now would overwrite what they never saw.
        live = await self._fetch_or_none(api, step.sid)
        if live is None:
            return {"outcome": "skipped", "error": _GONE}
        if not same_routing(live, step.before):
            return {"outcome": "changed", "error": CHANGED_SINCE_PLAN}
        if step.forget_only:  # already back as saved: only our copy goes
            await asyncio.to_thread(self.phone_numbers.clear_routing, org_id, step.sid, live)
            return {"outcome": "unchanged"}
        if action == CONFIGURE:
            return await self._configure_one(org_id, api, step)
        return await self._restore_one(org_id, api, step)

    async def _configure_one(self, org_id: int, api: Any, step: RoutingStep) -> dict[str, Any]:
        target = step.target
        assert target is not None
        # The snapshot is written before anything is sent: if the app dies after Twilio
        # changed the number, the previous configuration is still known. An existing
        # snapshot is the customer's original routing and is never replaced.
        taken_at = None
        if step.save_snapshot:
            taken_at = await asyncio.to_thread(
                self.phone_numbers.save_snapshot, org_id, step.sid, step.before
            )
        names = [c.field for c in step.changes]
        try:
            live = await self._send(api, step.sid, target, update_params(target, names), names)
        except LoquentError:
            if taken_at is not None and await self._unchanged(api, step):
                # Twilio definitely kept the old routing: a snapshot would only make the
                # number look configured-then-changed. Only the one we took goes.
                await asyncio.to_thread(
                    self.phone_numbers.clear_snapshot, org_id, step.sid, taken_at
                )
            raise
        if live is None:
            return {"outcome": "unknown", "error": OUTCOME_UNKNOWN}
        return await self._record(
            live, self.phone_numbers.mark_routed, org_id, step.sid, live, target.voice_url or ""
        )

    async def _restore_one(self, org_id: int, api: Any, step: RoutingStep) -> dict[str, Any]:
        target = step.target
        assert target is not None
        live = await self._send(api, step.sid, target, restore_params(target), tuple(FIELDS))
        if live is None:
            return {"outcome": "unknown", "error": OUTCOME_UNKNOWN}
        return await self._record(live, self.phone_numbers.clear_routing, org_id, step.sid, live)

    @staticmethod
    async def _record(live: VoiceConfig, save: Callable[..., Any], *args: Any) -> dict[str, Any]:
        """Keep what Twilio now reports. Twilio has changed already: a local failure is a
        warning on a success, not a failure the user would try to repeat."""
        outcome: dict[str, Any] = {"outcome": "succeeded", "after": journal_config(live)}
        try:
            await asyncio.to_thread(save, *args)
        except Exception as exc:
            log.error("Could not record a routing change locally", exc_info=True)
            outcome["error"] = (
                f"Changed on Twilio, but Loquent could not record it ({type(exc).__name__}). "
                "Refresh to see the live configuration."
            )
        return outcome

    async def _send(
        self,
        api: Any,
        sid: str,
        target: VoiceConfig,
        params: dict[str, str],
        names: list[str] | tuple[str, ...],
    ) -> VoiceConfig | None:
        """Update and read back. Returns what Twilio reports, or None when nobody can tell
        whether the change landed (the answer was lost and the number cannot be read)."""
        context = api(sid)
        try:
            async with translate_errors():
                await context.update_async(**params)
        except TwilioApiError as err:
            if not (err.response_lost or err.status >= 500):
                raise  # Twilio refused it: nothing changed
            # A 5xx or a lost answer may still have applied the change: look before
            # reporting (GETs are safe to retry; the update is never sent twice).
            try:
                landed = await self._fetch_or_none(api, sid)
            except TwilioApiError:
                return None
            if landed is not None and sent_fields_match(landed, target, names):
                return landed
            raise
        async with translate_errors():
            instance = await context.fetch_async()
        live = _config(instance)
        if not sent_fields_match(live, target, names):
            fields = ", ".join(c.label for c in differences(target, live) if c.field in names)
            raise LoquentError(
                f"Twilio reports different values after the change ({fields}). "
                "Refresh and check the number."
            )
        return live

    async def _unchanged(self, api: Any, step: RoutingStep) -> bool:
        live = await self._fetch_or_none(api, step.sid)
        return live is not None and same_routing(live, step.before)

    @staticmethod
    async def _fetch_or_none(api: Any, sid: str) -> VoiceConfig | None:
        """The live configuration, or None when the number is gone from the account;
        other errors propagate."""
        try:
            async with translate_errors():
                instance = await api(sid).fetch_async()
        except TwilioApiError as err:
            if err.is_not_found:
                return None
            raise
        return _config(instance)


_GONE = "Not on this Twilio account any more (released or moved). Refresh the Numbers tab."


def _config(instance: Any) -> VoiceConfig:
    """A library IncomingPhoneNumberInstance's voice fields ("" read as not set)."""
    values = {name: (getattr(instance, name) or None) for name in FIELDS}
    return VoiceConfig(**values, date_updated=getattr(instance, "date_updated", None))


def _configs_of_page(page: Any) -> dict[str, VoiceConfig]:
    return {str(inst.sid): _config(inst) for inst in page}


async def _gather_limited(coros: list[Any], limit: int = CONCURRENCY) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def guarded(coro: Any) -> Any:
        async with semaphore:
            return await coro

    return list(await asyncio.gather(*(guarded(c) for c in coros)))


__all__ = [
    "CONFIGURE",
    "RESTORE",
    "SHARED_REFUSED",
    "NumberRouting",
    "RoutingEvent",
    "RoutingResult",
    "RoutingStep",
    "VoiceRoutingService",
]
