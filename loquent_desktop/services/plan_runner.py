"""Plan → confirm → execute → journal: the one path for every change to a Twilio account.

Confirmation is a callback so the core stays free of Qt: the UI passes a coroutine that shows
the dialog. Cancel returns before anything is sent; every outcome is journaled.

Once confirmed, execution runs in a task of its own that the caller's cancellation does not
reach: a request already sent to Twilio cannot be taken back, so closing the window waits for
the change to land and the journal records what really happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..domain.errors import PlanCancelled
from ..domain.plans import Plan
from ..store.repositories import AuditRepository
from ..twilio_api.errors import translate_errors

log = logging.getLogger(__name__)

T = TypeVar("T")
Confirm = Callable[[Plan], Awaitable[bool]]


class PlanRunner:
    def __init__(self, audit: AuditRepository) -> None:
        self.audit = audit
        # Journal entries whose change is being sent right now (History shows them as
        # running; an unfinished entry not in here was interrupted by a crash).
        self.running: set[int] = set()

    @property
    def in_flight(self) -> int:
        return len(self.running)

    async def run(
        self,
        plan: Plan,
        confirm: Confirm,
        execute: Callable[[], Awaitable[T]],
        org_id: int | None,
        summarize: Callable[[T], dict[str, Any]] | None = None,
        outcome: Callable[[T], tuple[str, str | None]] | None = None,
    ) -> T:
        """`summarize` turns the execution's result into what the journal keeps of it;
        `outcome` grades it when some of a bulk change may have failed ("partial")."""
        # A bulk plan holds thousands of changes: copying them for the journal is work for
        # a worker thread, not the GUI loop.
        journal = await asyncio.to_thread(plan.to_journal)
        confirmed = await confirm(plan)
        entry = await asyncio.to_thread(
            self.audit.start, journal, org_id, plan.organization, plan.action, plan.title
        )
        if not confirmed:
            await asyncio.to_thread(self.audit.finish, entry, "cancelled", None)
            raise PlanCancelled()

        work = asyncio.ensure_future(self._execute(execute))
        self.running.add(entry)
        interrupted = False
        try:
            while True:
                try:
                    result = await asyncio.shield(work)
                    break
                except asyncio.CancelledError:
                    if work.cancelled():
                        raise
                    # Our caller is going away (however often it is told to): the request
                    # may already be with Twilio, so let the change land first.
                    interrupted = True
        except BaseException as exc:
            await self._finish(entry, "failed", str(exc) or repr(exc))
            if interrupted:
                raise asyncio.CancelledError() from exc
            raise
        finally:
            self.running.discard(entry)
        summary = summarize(result) if summarize is not None else None
        graded, error = outcome(result) if outcome is not None else ("succeeded", None)
        await self._finish(entry, graded, error, summary)
        if interrupted:
            raise asyncio.CancelledError()
        return result

    async def _finish(
        self, entry: int, outcome: str, error: str | None, result: dict[str, Any] | None = None
    ) -> None:
        """Close the journal entry. A journal that cannot be written (disk full, database
        gone) must not turn a change that happened into a reported failure: log it instead."""
        try:
            await asyncio.shield(
                asyncio.to_thread(self.audit.finish, entry, outcome, error, result)
            )
        except Exception:
            log.error(
                "Could not journal the outcome (%s) of entry %s", outcome, entry, exc_info=True
            )

    @staticmethod
    async def _execute(execute: Callable[[], Awaitable[T]]) -> T:
        async with translate_errors():  # the journal and the caller see one error type
            result = await execute()
        return result
