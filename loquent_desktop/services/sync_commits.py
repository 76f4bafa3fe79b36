"""The commit half of a history sync's run (`sync_run.SyncRun`): each page with its
checkpoint (and date range) in the same transaction, the run's totals, and progress.

Converted pages (messages, calls) go to a `page_batches.BatchWriter`, which writes what the
readers have ready in one transaction; recordings, converted as they are written, commit one
page at a time under a lock. Either way a page's totals build on the page before, so a
resumed run's counts stay exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from ..domain.history_records import PageCheckpoint, SyncCheckpointRecord, UpsertCounts
from ..store.repositories.history_repository import PageResult, PageWrite
from ..store.repositories.sync_ranges import RangeMark
from ..twilio_api.history_pages import RawPage
from .history_ranges import Coverage
from .page_batches import BatchWriter
from .page_source import PageStore
from .sync_progress import ProgressTracker


@dataclass(frozen=True, eq=False)
class Queued:
    """A converted page waiting for its batch (see `page_batches`)."""

    cp: SyncCheckpointRecord
    step: int
    next_page_uri: str | None
    ranges: RangeMark | None
    coverage: Coverage | None
    prepared: Any  # PreparedPage


class PageCommits:
    """Mixed into `SyncRun`, which sets these up."""

    repository: PageStore
    org_id: int
    own_numbers: frozenset[str]
    learn_own: bool
    progress: Any  # Callable[[SyncProgress], None] | None
    tracker: ProgressTracker
    totals: dict[int, tuple[UpsertCounts, int]]
    _counts: dict[int, dict[str, Any]]
    _since: dict[int, datetime | None]
    _commit_lock: asyncio.Lock
    _inflight: set[asyncio.Future[PageResult]]
    _batches: BatchWriter[Queued, PageResult]

    def _start_commits(self) -> None:
        self._commit_lock = asyncio.Lock()
        self._inflight = set()
        self._batches = BatchWriter(
            self._write_batch, self._written, joins=lambda a, b: a.cp.id == b.cp.id
        )

    @property
    def counts(self) -> UpsertCounts:
        total = UpsertCounts()
        for counts, _ in self.totals.values():
            total = total + counts
        return total

    @property
    def pages(self) -> int:
        return sum(pages for _, pages in self.totals.values())

    async def _commit(
        self,
        cp: SyncCheckpointRecord,
        page: RawPage,
        step: int,
        next_page_uri: str | None,
        not_before: datetime | None,
        ranges: RangeMark | None,
        coverage: Coverage | None = None,
        *,
        prepared: Any = None,
    ) -> PageResult:
        """Commit one page with the checkpoint (and its range). `prepared`: the page as
        `_prepare` converted it, written in a batch with the pages other readers have
        ready (`page_batches`); otherwise (recordings) one page at a time."""
        # A page read ahead is already there, so nothing else may have yielded since the
        # last commit: let a cancel (a progress callback's, the Cancel button's) land first.
        await asyncio.sleep(0)
        if prepared is not None:
            queued = Queued(cp, step, next_page_uri, ranges, coverage, prepared)
            return await self._batches.put(queued)
        async with self._commit_lock:
            mark = PageCheckpoint(cp.id, step, next_page_uri, self._counts[cp.id])
            work = asyncio.ensure_future(
                asyncio.to_thread(
                    self.repository.commit_page, self.org_id, page.records,
                    own_numbers=self.own_numbers, checkpoint=mark,
                    counted_since=cp.started_at, learn_own=self.learn_own,
                    not_before=not_before,
                )
            )  # fmt: skip
            self._inflight.add(work)
            work.add_done_callback(self._inflight.discard)
            try:
                # Shielded: a cancel stops the run after this page, never half-way through
                # it; the lock is held until the page is in, so no other page starts.
                result = await asyncio.shield(work)
            except asyncio.CancelledError:
                await asyncio.gather(work, return_exceptions=True)
                raise
            self._committed(cp, result, len(page.records), ranges, coverage)
        return result

    def _write_batch(self, batch: Sequence[Queued]) -> Sequence[PageResult]:
        """On a worker thread: the batch in one transaction, each page's checkpoint built
        on the run's totals as they stand (`write_pages` chains pages of one scope)."""
        writes = [
            PageWrite(
                q.prepared,
                PageCheckpoint(q.cp.id, q.step, q.next_page_uri, self._counts[q.cp.id]),
                q.ranges,
            )
            for q in batch
        ]
        results: Sequence[PageResult] = cast(Any, self.repository).write_pages(
            self.org_id, writes, own_numbers=self.own_numbers,
            counted_since=batch[0].cp.started_at,
        )  # fmt: skip
        return results

    def _written(self, queued: Queued, result: PageResult) -> None:
        self._committed(
            queued.cp, result, len(queued.prepared.rows), queued.ranges, queued.coverage
        )

    def _committed(
        self,
        cp: SyncCheckpointRecord,
        result: PageResult,
        seen: int,
        ranges: RangeMark | None,
        coverage: Coverage | None,
    ) -> None:
        self._counts[cp.id] = result.totals or self._counts[cp.id]
        self.own_numbers |= result.ours
        if coverage is not None and ranges is not None and ranges.range_id is not None:
            bottom = coverage.spans[ranges.range_id][1]
            reached = bottom if ranges.done else (result.oldest or bottom)
            coverage.reached[ranges.range_id] = reached
        self._report(cp, result, seen, coverage)

    def _report(
        self, cp: SyncCheckpointRecord, result: PageResult, seen: int, coverage: Coverage | None
    ) -> None:
        totals = result.totals or {}
        self.totals[cp.id] = (UpsertCounts.of(totals), int(totals.get("pages", 0)))
        since = self._since.get(cp.id, cp.since)
        share = None if coverage is None else coverage.share()
        self.tracker.page(
            self.counts, self.pages, seen, result.oldest, since, datetime.now(UTC), share
        )
        if self.progress is not None:
            self.progress(self.tracker.snapshot())
