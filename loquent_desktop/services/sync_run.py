"""One session of a history sync: read each pending scope's queries page by page, commit
every page with its checkpoint, report progress.

Only GETs: the Messages and Calls lists are read, nothing is ever written to Twilio. The
event loop only waits for HTTP and parses JSON; converting and upserting a page (1,000
records) happens on a worker thread, so the window keeps painting during a 100k sync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..domain.errors import TwilioApiError
from ..domain.history_records import PageCheckpoint, SyncCheckpointRecord, UpsertCounts
from ..store.repositories.history_repository import HistoryRepository, PageResult
from ..store.repositories.sync_checkpoints import SyncCheckpointRepository
from ..twilio_api.history_pages import HistoryPagesGateway, RawPage
from ..twilio_api.paging import PageLinks
from .history_kinds import HistoryKind
from .sync_progress import ProgressTracker, SyncProgress

log = logging.getLogger(__name__)

ProgressCallback = Callable[[SyncProgress], None]
# A stored next-page link Twilio no longer accepts (an expired or unknown PageToken).
_LINK_REJECTED = (400, 404)


class SyncRun:
    def __init__(
        self,
        kind: HistoryKind,
        repository: HistoryRepository[Any],
        checkpoints: SyncCheckpointRepository,
        history_pages: HistoryPagesGateway,
        org_id: int,
        own_numbers: frozenset[str],
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None = None,
        *,
        learn_own: bool = False,
        bounds: Mapping[str, datetime] | None = None,
    ) -> None:
        """`own_numbers`: the organization's recorded numbers, never contacts. `learn_own`:
        the account is the organization's own (BYO), so the number on its side of every
        record read is one of its numbers too (see `HistoryRepository.commit_page`).
        `bounds`: per scope, the moment before which nothing is read (a Shared number's
        history starts when the organization got it)."""
        self.kind = kind
        self.repository = repository
        self.checkpoints = checkpoints
        self.history_pages = history_pages
        self.org_id = org_id
        self.own_numbers = own_numbers
        self.learn_own = learn_own
        self.bounds = dict(bounds or {})
        self.run = run
        self.progress = progress
        # Totals per checkpoint (scope), from the database: what earlier sessions of this
        # run did counts too, so a resumed run's summary covers the whole run.
        self.totals: dict[int, tuple[UpsertCounts, int]] = {
            cp.id: (UpsertCounts.of(cp.counts), cp.count("pages")) for cp in run
        }
        steps = sum(max(0, len(kind.steps(cp.scope)) - cp.step) for cp in self.pending)
        self.tracker = ProgressTracker(kind.name, steps)
        self._inflight: asyncio.Future[PageResult] | None = None

    @property
    def pending(self) -> list[SyncCheckpointRecord]:
        return [cp for cp in self.run if cp.state != "completed"]

    @property
    def counts(self) -> UpsertCounts:
        total = UpsertCounts()
        for counts, _ in self.totals.values():
            total = total + counts
        return total

    @property
    def pages(self) -> int:
        return sum(pages for _, pages in self.totals.values())

    async def execute(self) -> None:
        for checkpoint in self.pending:
            await self._scope(checkpoint)

    async def settle(self) -> None:
        """Wait for a page commit still running on its thread (after a cancel), so the
        checkpoint is marked interrupted only once nothing else writes to it."""
        if self._inflight is not None and not self._inflight.done():
            await asyncio.gather(self._inflight, return_exceptions=True)

    # -- one scope -----------------------------------------------------------------------
    async def _scope(self, cp: SyncCheckpointRecord) -> None:
        steps = self.kind.steps(cp.scope)
        counts: dict[str, Any] = dict(cp.counts or {})
        bound = self.bounds.get(cp.scope)
        since = cp.since if bound is None or (cp.since and cp.since >= bound) else bound
        for step in range(cp.step, len(steps)):
            self.tracker.scope = self.kind.step_label(steps[step])
            filters = self.kind.filters(steps[step], since)
            resume_at = cp.next_page_uri if step == cp.step else None
            page = await self._first(cp, filters, resume_at)
            links = PageLinks()
            while True:
                after = page.next_page_uri
                links.check(after)
                mark = PageCheckpoint(cp.id, step if after else step + 1, after, counts)
                result = await self._commit(cp, page, mark, bound)
                counts = result.totals or counts
                self.own_numbers |= result.ours
                self._report(cp, result, len(page.records), since)
                if after is None:
                    break
                page = await self.history_pages.page_at(self.kind.resource, after)
            self.tracker.step_done()
        await asyncio.to_thread(self.checkpoints.complete, cp.id, len(steps))

    async def _first(
        self, cp: SyncCheckpointRecord, filters: dict[str, Any], resume_at: str | None
    ) -> RawPage:
        """The step's first page, or the stored page of an interrupted run. A stored link
        Twilio refuses, or one for another account, restarts the step from its first page:
        upserts by SID make reading pages again harmless."""
        if resume_at and self.history_pages.belongs_to(self.kind.resource, resume_at):
            try:
                return await self.history_pages.page_at(self.kind.resource, resume_at)
            except TwilioApiError as err:
                if err.status not in _LINK_REJECTED:
                    raise
                log.info("Stored page link refused (%s); reading the step again", err.status)
        elif resume_at:
            log.info("Stored page link names another account; reading the step again")
        if resume_at:
            await asyncio.to_thread(self.checkpoints.restart_step, cp.id)
        return await self.history_pages.first_page(self.kind.resource, **filters)

    async def _commit(
        self,
        cp: SyncCheckpointRecord,
        page: RawPage,
        mark: PageCheckpoint,
        not_before: datetime | None,
    ) -> PageResult:
        work = asyncio.to_thread(
            self.repository.commit_page,
            self.org_id,
            page.records,
            own_numbers=self.own_numbers,
            learn_own=self.learn_own,
            not_before=not_before,
            checkpoint=mark,
            counted_since=cp.started_at,
        )
        self._inflight = asyncio.ensure_future(work)
        # Shielded: a cancel stops the run after this page, never half-way through it.
        return await asyncio.shield(self._inflight)

    def _report(
        self, cp: SyncCheckpointRecord, result: PageResult, seen: int, since: datetime | None
    ) -> None:
        totals = result.totals or {}
        self.totals[cp.id] = (UpsertCounts.of(totals), int(totals.get("pages", 0)))
        self.tracker.page(self.counts, self.pages, seen, result.oldest, since, datetime.now(UTC))
        if self.progress is not None:
            self.progress(self.tracker.snapshot())
