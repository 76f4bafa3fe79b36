"""One session of a history sync: read each pending scope's queries, commit every page with
its checkpoint, report progress. Only GETs: nothing is ever written to Twilio.

The event loop only waits for HTTP; decoding, converting and upserting pages happen on
worker threads, so the window keeps painting. A large sync stays near the speed of reading
alone: each reader requests its next page (and converts it) while the one before is written,
and a query whose first page shows it is large is cut into date ranges (`history_ranges`)
read at once under the account's cap (`account_limits`), each checkpointing its own next
page. Pages are written by one writer (SQLite has one), in batches of what the readers have ready
(`sync_commits`); the totals stay exact.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any

from ..domain.errors import TwilioApiError
from ..domain.history_records import SyncCheckpointRecord, UpsertCounts
from ..store.repositories.history_rows import as_date
from ..store.repositories.sync_checkpoints import SyncCheckpointRepository
from ..store.repositories.sync_ranges import PlannedRange, RangeMark, SyncRangeRecord
from ..twilio_api.history_pages import RawPage
from ..twilio_api.paging import PageLinks
from .account_limits import AccountLimiter, limited
from .history_kinds import HistoryKind
from .history_ranges import Coverage, RangePolicy, midnight, plan_ranges
from .page_source import PageSource, PageStore
from .sync_commits import PageCommits
from .sync_progress import HISTORY_REACH, ProgressTracker, SyncProgress

log = logging.getLogger(__name__)

ProgressCallback = Callable[[SyncProgress], None]
_LINK_REJECTED = (400, 404)  # a stored next-page link Twilio no longer accepts
_CONVERTER = ThreadPoolExecutor(1, thread_name_prefix="history-convert")


def _light(page: RawPage, prepared: Any) -> RawPage:
    """A page whose records are converted keeps only its last one (where it ended): the
    JSON dicts are most of a page's memory, and a dozen readers hold two pages each."""
    return page if prepared is None else RawPage(page.records[-1:], page.next_page_uri)


def _drop(future: asyncio.Future[Any] | None) -> None:
    """Cancel a page read ahead that will not be used (its error, if any, is moot)."""
    if future is not None:  # cancel() does nothing to a future that is done already
        future.cancel()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())


class SyncRun(PageCommits):
    def __init__(
        self,
        kind: HistoryKind,
        repository: PageStore,
        checkpoints: SyncCheckpointRepository,
        history_pages: PageSource,
        org_id: int,
        own_numbers: frozenset[str],
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None = None,
        *,
        learn_own: bool = False,
        bounds: Mapping[str, datetime] | None = None,
        limiter: AccountLimiter | None = None,
        ranges: RangePolicy | None = None,
    ) -> None:
        """`own_numbers`: the organization's recorded numbers, never contacts. `learn_own`:
        the account is the organization's own (BYO), so the number on its side of every
        record read is one of its numbers too (see `HistoryRepository.commit_page`).
        `bounds`: per scope, the moment before which nothing is read (a Shared number's
        history starts when the organization got it). `limiter`: the account's cap on
        concurrent requests; `ranges`: when a query is cut into date ranges."""
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
        self.limiter = limiter or AccountLimiter()
        self.policy = ranges or RangePolicy()
        # Totals per checkpoint (scope), from the database: what earlier sessions of this
        # run did counts too, so a resumed run's summary covers the whole run.
        self.totals: dict[int, tuple[UpsertCounts, int]] = {
            cp.id: (UpsertCounts.of(cp.counts), cp.count("pages")) for cp in run
        }
        self._counts: dict[int, dict[str, Any]] = {cp.id: dict(cp.counts or {}) for cp in run}
        steps = sum(max(0, len(kind.steps(cp.scope)) - cp.step) for cp in self.pending)
        self.tracker = ProgressTracker(kind.name, steps)
        self._start_commits()
        self._since: dict[int, datetime | None] = {}

    @property
    def pending(self) -> list[SyncCheckpointRecord]:
        return [cp for cp in self.run if cp.state != "completed"]

    async def execute(self) -> None:
        for checkpoint in self.pending:
            await self._scope(checkpoint)

    async def settle(self) -> None:
        """Wait for a page commit still running on its thread (after a cancel), so the
        checkpoint is marked interrupted only once nothing else writes to it."""
        pending = [f for f in self._inflight if not f.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        await self._batches.settle()

    # -- one scope -----------------------------------------------------------------------
    async def _scope(self, cp: SyncCheckpointRecord) -> None:
        steps = self.kind.steps(cp.scope)
        bound = self.bounds.get(cp.scope)
        since = cp.since if bound is None or (cp.since and cp.since >= bound) else bound
        self._since[cp.id] = since
        for step in range(cp.step, len(steps)):
            self.tracker.scope = self.kind.step_label(steps[step])
            ranges: list[SyncRangeRecord] = []
            if step == cp.step and self.kind.until_filter is not None:
                ranges = await asyncio.to_thread(self.checkpoints.ranges.for_step, cp.id, step)
            if ranges:
                await self._ranges(cp, step, steps[step], ranges, since, bound)
            else:
                resume_at = cp.next_page_uri if step == cp.step else None
                await self._query(cp, step, steps[step], since, bound, resume_at)
            self.tracker.step_done()
        await asyncio.to_thread(self.checkpoints.complete, cp.id, len(steps))

    async def _query(
        self,
        cp: SyncCheckpointRecord,
        step: int,
        query: dict[str, Any],
        since: datetime | None,
        bound: datetime | None,
        resume_at: str | None,
    ) -> None:
        """A query from its first page (or the stored page of an interrupted run): read on
        page by page, or, when the page shows a large rest, cut the rest into ranges."""
        page = await self._first(cp, self.kind.filters(query, since), resume_at)
        after = page.next_page_uri
        plan: tuple[PlannedRange, ...] = ()
        if after is not None and self.kind.until_filter is not None:
            dates = self._dates(page.records)
            plan = plan_ranges(dates, after, since, datetime.now(UTC), self.policy)
        if not plan:
            await self._follow(cp, step, page, bound, None, None)
            return
        prepared = await self._prepare(page, bound)
        mark = RangeMark(step=step, create=plan)
        await self._commit(cp, page, step, None, bound, mark, prepared=prepared)
        ranges = await asyncio.to_thread(self.checkpoints.ranges.for_step, cp.id, step)
        await self._ranges(cp, step, query, ranges, since, bound)

    async def _ranges(
        self,
        cp: SyncCheckpointRecord,
        step: int,
        query: dict[str, Any],
        ranges: Sequence[SyncRangeRecord],
        since: datetime | None,
        bound: datetime | None,
    ) -> None:
        """Read every pending range of a query at once (the limiter caps the requests);
        the first failure stops the others, each at a page boundary."""
        now = datetime.now(UTC)
        floor = since or midnight(now - HISTORY_REACH)
        coverage = Coverage()
        for r in ranges:
            coverage.spans[r.id] = (r.before or now, r.after or floor)
            if r.done:
                coverage.reached[r.id] = r.after or floor
        queue = [r for r in ranges if not r.done]

        async def reader() -> None:
            while queue:
                await self._range(cp, step, query, queue.pop(0), since, bound, coverage)

        # A few more readers than the cap keep every request slot busy while some readers
        # wait to commit; each holds at most two pages, so memory stays bounded however
        # many ranges there are.
        readers = self.limiter.settings.cap + self.limiter.settings.cap // 2
        tasks = [asyncio.ensure_future(reader()) for _ in range(min(len(queue), readers))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        await asyncio.to_thread(self.checkpoints.finish_step, cp.id, step)

    async def _range(
        self,
        cp: SyncCheckpointRecord,
        step: int,
        query: dict[str, Any],
        rng: SyncRangeRecord,
        since: datetime | None,
        bound: datetime | None,
        coverage: Coverage,
    ) -> None:
        head = rng.part == 0  # reads on from the query's first page, down to `after`
        if head:
            filters = self.kind.filters(query, since)
            not_before = rng.after if bound is None or (rng.after and rng.after > bound) else bound
        else:
            filters = self.kind.range_filters(query, rng.after or since, rng.before)
            not_before = bound
        page = await self._first(cp, filters, rng.next_page_uri, rng)
        await self._follow(cp, step, page, not_before, rng, coverage)

    async def _follow(
        self,
        cp: SyncCheckpointRecord,
        step: int,
        page: RawPage,
        not_before: datetime | None,
        rng: SyncRangeRecord | None,
        coverage: Coverage | None,
    ) -> None:
        """Commit `page` and the ones after it, reading each next page while the one
        before is committed. `rng` None: the query's own position is the checkpoint's."""
        links = PageLinks()
        upcoming: asyncio.Future[tuple[RawPage, Any]] | None = None
        prepared = await self._prepare(page, not_before)
        page = _light(page, prepared)
        try:
            while True:
                after = page.next_page_uri
                links.check(after)
                done = after is None or (rng is not None and self._past(page, rng))
                if not done:
                    assert after is not None
                    upcoming = asyncio.ensure_future(self._ready(after, not_before))
                if rng is None:
                    await self._commit(
                        cp, page, step if after else step + 1, after, not_before, None,
                        prepared=prepared,
                    )  # fmt: skip
                else:
                    mark = RangeMark(rng.id, None if done else after, done)
                    await self._commit(
                        cp, page, step, None, not_before, mark, coverage, prepared=prepared
                    )
                if upcoming is None:
                    return
                page, prepared = await upcoming
                upcoming = None
        finally:
            _drop(upcoming)

    async def _ready(self, uri: str, not_before: datetime | None) -> tuple[RawPage, Any]:
        """The next page, read and converted while the one before is written."""
        page = await self._page_at(uri)
        prepared = await self._prepare(page, not_before)
        return _light(page, prepared), prepared

    async def _prepare(self, page: RawPage, not_before: datetime | None) -> Any:
        """A history page converted on a worker thread (None: the store converts as it
        commits, as the recordings repository does)."""
        prepare = getattr(self.repository, "prepare_page", None)
        if prepare is None:
            return None
        work = partial(
            prepare, self.org_id, page.records, own_numbers=self.own_numbers,
            learn_own=self.learn_own, not_before=not_before,
        )  # fmt: skip
        # One converting thread for every reader: under the GIL more would convert no
        # faster, and each more thread is one more the window waits behind for the GIL.
        return await asyncio.get_running_loop().run_in_executor(_CONVERTER, work)

    def _past(self, page: RawPage, rng: SyncRangeRecord) -> bool:
        """Whether the head range's page reached records older than its `after` (the rest
        belong to the ranges below)."""
        if rng.part != 0 or rng.after is None or not page.records:
            return False
        last = as_date(page.records[-1].get(self.kind.date_key))
        return last is not None and last < rng.after

    def _dates(self, records: Sequence[Mapping[str, Any]]) -> list[datetime]:
        key = self.kind.date_key
        return [d for r in records if (d := as_date(r.get(key))) is not None]

    # -- requests ------------------------------------------------------------------------
    async def _page_at(self, uri: str) -> RawPage:
        resource = self.kind.resource
        return await limited(self.limiter, lambda: self.history_pages.page_at(resource, uri))

    async def _first(
        self,
        cp: SyncCheckpointRecord,
        filters: dict[str, Any],
        resume_at: str | None,
        rng: SyncRangeRecord | None = None,
    ) -> RawPage:
        """The query's (or range's) first page, or its stored page of an interrupted run.
        A stored link Twilio refuses, or one for another account, restarts it from its
        first page: upserts by SID make reading pages again harmless."""
        resource = self.kind.resource
        if resume_at and self.history_pages.belongs_to(resource, resume_at):
            try:
                return await self._page_at(resume_at)
            except TwilioApiError as err:
                if err.status not in _LINK_REJECTED:
                    raise
                log.info("Stored page link refused (%s); reading the step again", err.status)
        elif resume_at:
            log.info("Stored page link names another account; reading the step again")
        if resume_at and rng is None:
            await asyncio.to_thread(self.checkpoints.restart_step, cp.id)
        elif resume_at and rng is not None:
            await asyncio.to_thread(self.checkpoints.ranges.restart, rng.id)
        first: Callable[[], Awaitable[RawPage]] = lambda: self.history_pages.first_page(  # noqa: E731
            resource, **filters
        )
        return await limited(self.limiter, first)
