"""Carrying out a confirmed voice-routing plan, number by number.

Each number: check it still looks as the plan showed → (configure) save the whole previous
configuration → update on Twilio → read back and verify → record locally → journal its
outcome. A failure on one number is that number's outcome and does not stop the others;
`RunControl.stop` ends the run between numbers (the rest stay "not started", and a re-run
finishes them).

A SIP trunk is never cleared or set through the IncomingPhoneNumbers update (its spec
forbids an empty `TrunkSid`): the number leaves its trunk through the Trunking API's
`DELETE /v1/Trunks/{TK}/PhoneNumbers/{PN}` and joins it again with a POST there. Configure
updates the URL fields first and detaches last, so until the trunk goes calls still reach
the PBX; restore attaches first, so calls go straight back to the trunk.

Each number's outcome is written to the journal entry as soon as it is known (`OutcomeLog`),
so a run killed half-way still shows what it changed; the re-run records numbers the killed
run changed on Twilio but could not record (`RoutingStep.record_only`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..domain.errors import LoquentError, TwilioApiError
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import (
    FIELDS,
    differences,
    same_routing,
    sent_fields_match,
    update_params,
)
from ..store.repositories import PhoneNumberRepository
from ..twilio_api.incoming_numbers import IncomingNumbersGateway
from ..twilio_api.trunks import TrunksGateway
from .plan_runner import RunControl
from .voice_routing_plans import CONFIGURE, RoutingStep, journal_config
from .voice_routing_result import RoutingResult

log = logging.getLogger(__name__)

CHANGED_SINCE_PLAN = (
    "Changed on Twilio after the plan was shown, so nothing was sent. Run it again to see "
    "a plan with the new configuration."
)
OUTCOME_UNKNOWN = (
    "Twilio's answer was lost and the number could not be read back: the change may have "
    "been applied. Refresh to see the live configuration."
)
GONE = "Not on this Twilio account any more (released or moved). Refresh the Numbers tab."
RECORDED_NOTE = (
    "Already pointed at Loquent by an earlier run that was interrupted (or lost Twilio's "
    "answer) before it could record it: recorded now, nothing was sent."
)
# Parallel requests while planning or applying a bulk change: fast on a real account,
# gentle enough to stay clear of Twilio's rate limits (429s are retried anyway).
CONCURRENCY = 4


class OutcomeLog:
    """Writes each number's outcome into the run's journal entry as it becomes known.

    `write` (e.g. `JournalRepository.merge_result` bound to the entry) runs on a worker
    thread. While one write is under way, outcomes that finish meanwhile wait and go in the
    next one: a thousand numbers make a few dozen writes, not a thousand rewrites of a
    growing JSON value. A failed write is logged, never a number's failure: Twilio changed
    already, and `finish` writes the whole result at the end anyway."""

    def __init__(self, write: Callable[[Mapping[str, Any]], object] | None) -> None:
        self._write = write
        self._pending: dict[str, dict[str, Any]] = {}
        self._writer: asyncio.Future[None] | None = None

    def add(self, sid: str, outcome: Mapping[str, Any]) -> None:
        if self._write is None:
            return
        self._pending[sid] = dict(outcome)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._flush())

    async def drain(self) -> None:
        """Wait until every outcome added so far is written (or failed to be)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _flush(self) -> None:
        assert self._write is not None
        while self._pending:
            batch, self._pending = self._pending, {}
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:
                log.warning("Could not journal %d routing outcomes", len(batch), exc_info=True)


class RoutingExecution:
    """One confirmed plan's steps for one organization's account."""

    def __init__(
        self,
        numbers: IncomingNumbersGateway,
        trunks: TrunksGateway,
        phone_numbers: PhoneNumberRepository,
        org_id: int,
        action: str,
    ) -> None:
        self.numbers = numbers
        self.trunks = trunks
        self.phone_numbers = phone_numbers
        self.org_id = org_id
        self.action = action

    async def run(
        self, steps: list[RoutingStep], control: RunControl, journal: OutcomeLog | None = None
    ) -> RoutingResult:
        journal = journal or OutcomeLog(None)
        result = RoutingResult(self.action)
        for step in steps:  # plan order, whatever order they finish in
            result.outcomes[step.sid] = {
                "phone_number": step.phone_number,
                "outcome": "not started",
            }
        done = 0

        async def one(step: RoutingStep) -> None:
            nonlocal done
            if control.stop.is_set():
                return
            entry = result.outcomes[step.sid]
            try:
                entry.update(await self._carry_out(step))
            except LoquentError as exc:
                entry.update(outcome="failed", error=str(exc))
            except Exception as exc:  # a bug must not stop the other numbers either
                log.error("Voice routing of %s failed", step.sid, exc_info=True)
                entry.update(outcome="failed", error=f"Unexpected error ({type(exc).__name__})")
            finally:
                done += 1
                journal.add(step.sid, entry)
                control.report(done, len(steps))

        try:
            await gather_limited([one(step) for step in steps])
        finally:
            await journal.drain()  # before the runner's `finish` writes the whole result
        return result

    async def _carry_out(self, step: RoutingStep) -> dict[str, Any]:
        if step.skip:
            return {"outcome": "skipped", "error": step.skip}
        if not step.changes and not step.forget_only and not step.record_only:
            return {"outcome": "unchanged"}
        # The user confirmed what the dialog showed. If the number changed since (the
        # Console, another platform), sending now would overwrite what they never saw.
        live = await fetch_or_none(self.numbers, step.sid)
        if live is None:
            return {"outcome": "skipped", "error": GONE}
        if not same_routing(live, step.before):
            return {"outcome": "changed", "error": CHANGED_SINCE_PLAN}
        if step.forget_only:  # already back as saved: only our copy goes
            await asyncio.to_thread(self.phone_numbers.clear_routing, self.org_id, step.sid, live)
            return {"outcome": "unchanged"}
        if step.record_only:  # an interrupted run changed it and could not record it
            save = self.phone_numbers.mark_routed
            args = (self.org_id, step.sid, live, live.voice_url or "")
            return await _record(live, save, args, outcome="recorded", note=RECORDED_NOTE)
        if self.action == CONFIGURE:
            return await self._configure_one(step)
        return await self._restore_one(step)

    async def _configure_one(self, step: RoutingStep) -> dict[str, Any]:
        target = step.target
        assert target is not None
        # The snapshot is written before anything is sent: if the app dies after Twilio
        # changed the number, the previous configuration is still known. An existing
        # snapshot is the customer's original routing and is never replaced.
        taken_at = None
        if step.save_snapshot:
            taken_at = await asyncio.to_thread(
                self.phone_numbers.save_snapshot, self.org_id, step.sid, step.before
            )
        names = [c.field for c in step.changes]
        try:
            live = await self._send(step.sid, step.before, target, names)
        except LoquentError:
            if taken_at is not None and await self._unchanged(step):
                # Twilio definitely kept the old routing: a snapshot would only make the
                # number look configured-then-changed. Only the one we took goes.
                await asyncio.to_thread(
                    self.phone_numbers.clear_snapshot, self.org_id, step.sid, taken_at
                )
            raise
        if live is None:
            return {"outcome": "unknown", "error": OUTCOME_UNKNOWN}
        args = (self.org_id, step.sid, live, target.voice_url or "")
        return await _record(live, self.phone_numbers.mark_routed, args)

    async def _restore_one(self, step: RoutingStep) -> dict[str, Any]:
        target = step.target
        assert target is not None
        live = await self._send(step.sid, step.before, target, tuple(FIELDS))
        if live is None:
            return {"outcome": "unknown", "error": OUTCOME_UNKNOWN}
        args = (self.org_id, step.sid, live)
        return await _record(live, self.phone_numbers.clear_routing, args)

    async def _send(
        self,
        sid: str,
        before: VoiceConfig,
        target: VoiceConfig,
        names: list[str] | tuple[str, ...],
    ) -> VoiceConfig | None:
        """Write the `names` fields of `target` and read back. Returns what Twilio reports,
        or None when nobody can tell whether the change landed (an answer was lost and the
        number cannot be read)."""
        # Restore checks every saved field (names is all of FIELDS) but sends only those that
        # differ from the live configuration: the result is the same, and an empty TwiML app
        # SID (which Twilio accepts but its spec forbids) goes out only to remove an app.
        changed = [n for n in names if not sent_fields_match(before, target, [n])]
        params = update_params(target, changed)
        params.pop("trunk_sid", None)  # the Trunking API's business, see the module doc
        old = before.trunk_sid if "trunk_sid" in names else None
        new = target.trunk_sid if "trunk_sid" in names else None
        try:
            await self._write(sid, params, old, new)
        except TwilioApiError as err:
            if not (err.response_lost or err.status >= 500):
                # Twilio refused this request: it changed nothing, and nothing more is sent
                # (an earlier one of this number may have landed: the caller looks).
                raise
            # A 5xx or a lost answer may still have applied the change: look before
            # reporting (GETs are safe to retry; no write is ever sent twice).
            try:
                landed = await fetch_or_none(self.numbers, sid)
            except TwilioApiError:
                return None
            if landed is not None and sent_fields_match(landed, target, names):
                return landed
            raise
        live = await self.numbers.fetch_voice_config(sid)
        if not sent_fields_match(live, target, names):
            fields = ", ".join(c.label for c in differences(target, live) if c.field in names)
            raise LoquentError(
                f"Twilio reports different values after the change ({fields}). "
                "Refresh and check the number."
            )
        return live

    async def _write(
        self, sid: str, params: dict[str, str], old: str | None, new: str | None
    ) -> None:
        """The requests, in the order that keeps calls flowing (see the module doc)."""
        if new and not old:
            await self.trunks.attach_number(new, sid)
        if params:
            await self.numbers.update_voice(sid, params)
        if old and old != new:
            try:
                await self.trunks.detach_number(old, sid)
            except TwilioApiError as err:
                # Off that trunk already (a TwiML app set by the update replaces a trunk on
                # Twilio; someone detached it meanwhile): the read-back decides.
                if not err.is_not_found:
                    raise
            if new:
                await self.trunks.attach_number(new, sid)

    async def _unchanged(self, step: RoutingStep) -> bool:
        live = await fetch_or_none(self.numbers, step.sid)
        return live is not None and same_routing(live, step.before)


async def _record(
    live: VoiceConfig,
    save: Callable[..., Any],
    args: tuple[Any, ...],
    outcome: str = "succeeded",
    note: str | None = None,
) -> dict[str, Any]:
    """Keep what Twilio now reports. Twilio has changed already: a local failure is a
    warning on a success, not a failure the user would try to repeat."""
    done: dict[str, Any] = {"outcome": outcome, "after": journal_config(live)}
    if note:
        done["note"] = note
    try:
        await asyncio.to_thread(save, *args)
    except Exception as exc:
        log.error("Could not record a routing change locally", exc_info=True)
        done["error"] = (
            f"Changed on Twilio, but Loquent could not record it ({type(exc).__name__}). "
            "Refresh to see the live configuration."
        )
    return done


async def fetch_or_none(numbers: IncomingNumbersGateway, sid: str) -> VoiceConfig | None:
    """The live configuration, or None when the number is gone from the account; other
    errors propagate."""
    try:
        return await numbers.fetch_voice_config(sid)
    except TwilioApiError as err:
        if err.is_not_found:
            return None
        raise


async def gather_limited(coros: list[Any], limit: int = CONCURRENCY) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def guarded(coro: Any) -> Any:
        async with semaphore:
            return await coro

    return list(await asyncio.gather(*(guarded(c) for c in coros)))
