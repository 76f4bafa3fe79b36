"""Plan → confirm → execute → journal: the one path for every change to a Twilio account.

Every account change has one shape. A service's `prepare_…` method does the reads and calls a
pure builder (a `…_plans` module: no I/O, testable without Twilio) for the `Plan`, and returns
a `PlannedChange`: the plan plus what confirming it executes. The UI shows it with one helper
(`ui.plan_flow.confirm_and_apply`), which hands the user's answer to `PlanRunner.apply`.

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
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..domain.errors import OutcomeUnknown, PlanCancelled
from ..domain.plans import Plan
from ..store.repositories import JournalRepository

log = logging.getLogger(__name__)

T = TypeVar("T")
Confirm = Callable[[Plan], Awaitable[bool]]


@dataclass
class RunControl:
    """What the UI sees and steers while a confirmed change runs: progress of a bulk change
    (done, total), and a stop that ends it between items (the rest are "not started")."""

    progress: Callable[[int, int], None] | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


@dataclass(frozen=True)
class PlannedChange(Generic[T]):
    """A plan ready to be shown, and what confirming it does.

    `execute` sends the change (it is only ever called after confirmation); `summarize` turns
    its result into what the journal keeps; `outcome` grades a bulk result ("partial");
    `release` runs once the runner is done with the change, whatever came of it (cancelled
    too), and frees what preparing it held (e.g. the account's turn for event streams)."""

    plan: Plan
    org_id: int | None
    execute: Callable[[RunControl], Awaitable[T]]
    summarize: Callable[[T], dict[str, Any]] | None = None
    outcome: Callable[[T], tuple[str, str | None]] | None = None
    release: Callable[[], None] | None = None


class PlanRunner:
    def __init__(self, journal: JournalRepository) -> None:
        self.journal = journal
        # Journal entries whose change is being sent right now (the Journal tab shows them as
        # running; an unfinished entry not in here was interrupted by a crash).
        self.running: set[int] = set()

    @property
    def in_flight(self) -> int:
        return len(self.running)

    async def apply(
        self, change: PlannedChange[T], confirm: Confirm, control: RunControl | None = None
    ) -> T:
        """Ask `confirm` about the change's plan; on yes execute and journal it, on no
        journal "cancelled" and raise PlanCancelled (nothing is sent)."""
        run_control = control or RunControl()
        try:
            return await self.run(
                change.plan,
                confirm,
                lambda: change.execute(run_control),
                change.org_id,
                change.summarize,
                change.outcome,
            )
        finally:
            if change.release is not None:
                change.release()

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
            self.journal.start, journal, org_id, plan.organization, plan.action, plan.title
        )
        if not confirmed:
            await asyncio.to_thread(self.journal.finish, entry, "cancelled", None)
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
            graded = "unknown" if isinstance(exc, OutcomeUnknown) else "failed"
            await self._finish(entry, graded, str(exc) or repr(exc))
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
                asyncio.to_thread(self.journal.finish, entry, outcome, error, result)
            )
        except Exception:
            log.error(
                "Could not journal the outcome (%s) of entry %s", outcome, entry, exc_info=True
            )

    @staticmethod
    async def _execute(execute: Callable[[], Awaitable[T]]) -> T:
        # The gateways already raise nothing but TwilioApiError: the journal and the caller
        # see one error type without translating here.
        return await execute()
