"""Carrying out a confirmed voice-routing plan, number by number.

Each number: check it still looks as the plan showed → (configure) save the whole previous
configuration → update on Twilio → read back and verify → record locally. A failure on one
number is that number's outcome and does not stop the others; `RunControl.stop` ends the run
between numbers (the rest stay "not started", and a re-run finishes them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..domain.errors import LoquentError, TwilioApiError
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import (
    FIELDS,
    differences,
    restore_params,
    same_routing,
    sent_fields_match,
    update_params,
)
from ..store.repositories import PhoneNumberRepository
from ..twilio_api.incoming_numbers import IncomingNumbersGateway
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
# Parallel requests while planning or applying a bulk change: fast on a real account,
# gentle enough to stay clear of Twilio's rate limits (429s are retried anyway).
CONCURRENCY = 4


class RoutingExecution:
    """One confirmed plan's steps for one organization's account."""

    def __init__(
        self,
        numbers: IncomingNumbersGateway,
        phone_numbers: PhoneNumberRepository,
        org_id: int,
        action: str,
    ) -> None:
        self.numbers = numbers
        self.phone_numbers = phone_numbers
        self.org_id = org_id
        self.action = action

    async def run(self, steps: list[RoutingStep], control: RunControl) -> RoutingResult:
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
                control.report(done, len(steps))

        await gather_limited([one(step) for step in steps])
        return result

    async def _carry_out(self, step: RoutingStep) -> dict[str, Any]:
        if step.skip:
            return {"outcome": "skipped", "error": step.skip}
        if not step.changes and not step.forget_only:
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
            live = await self._send(step.sid, target, update_params(target, names), names)
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
        return await _record(
            live,
            self.phone_numbers.mark_routed,
            self.org_id,
            step.sid,
            live,
            target.voice_url or "",
        )

    async def _restore_one(self, step: RoutingStep) -> dict[str, Any]:
        target = step.target
        assert target is not None
        live = await self._send(step.sid, target, restore_params(target), tuple(FIELDS))
        if live is None:
            return {"outcome": "unknown", "error": OUTCOME_UNKNOWN}
        return await _record(live, self.phone_numbers.clear_routing, self.org_id, step.sid, live)

    async def _send(
        self,
        sid: str,
        target: VoiceConfig,
        params: dict[str, str],
        names: list[str] | tuple[str, ...],
    ) -> VoiceConfig | None:
        """Update and read back. Returns what Twilio reports, or None when nobody can tell
        whether the change landed (the answer was lost and the number cannot be read)."""
        try:
            await self.numbers.update_voice(sid, params)
        except TwilioApiError as err:
            if not (err.response_lost or err.status >= 500):
                raise  # Twilio refused it: nothing changed
            # A 5xx or a lost answer may still have applied the change: look before
            # reporting (GETs are safe to retry; the update is never sent twice).
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

    async def _unchanged(self, step: RoutingStep) -> bool:
        live = await fetch_or_none(self.numbers, step.sid)
        return live is not None and same_routing(live, step.before)


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
