"""The part messages and calls share: commit a synced page, browse, count.

`commit_page` is the one write a history sync makes per page. Rows, contacts and the run's
checkpoint go into a single transaction, so after a crash the checkpoint never claims a
page whose rows are missing, nor misses one whose rows are there: a resumed run's counts
stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from ...domain.contacts import parties
from ...domain.history_records import (
    HistoryCursor,
    HistoryPage,
    HistoryQuery,
    PageCheckpoint,
    UpsertCounts,
)
from ..column_types import utcnow
from .contacts import forget_contacts, touch_contacts
from .history_rows import FieldMap, upsert_rows
from .history_search import HistorySearch
from .history_sql import native_for
from .sync_checkpoints import add_page, save_page
from .sync_ranges import RangeMark, save_range

R = TypeVar("R")
SOURCES = ("import", "webhook")
FETCH_BATCH = 2000


@dataclass(frozen=True)
class PageResult:
    counts: UpsertCounts  # this page alone
    totals: dict[str, Any] | None  # the run's, when a checkpoint was saved with the page
    oldest: datetime | None
    newest: datetime | None
    contacts_created: int
    ours: frozenset[str] = frozenset()  # numbers seen on the organization's side (learn_own)


@dataclass(frozen=True)
class PreparedPage:
    """A page converted for writing (see `HistoryRepository.prepare_page`). Dates in
    `latest` are in the database's stored form, as the rows' are."""

    columns: tuple[str, ...]
    rows: dict[str, tuple[Any, ...]]  # by SID: the `columns` values in stored form
    ours: frozenset[str]  # numbers seen on the organization's side (learn_own)
    latest: dict[str, Any]  # each other party's newest record
    oldest: datetime | None
    newest: datetime | None


@dataclass(frozen=True)
class PageWrite:
    """One prepared page for `write_pages`, with where the run stands after it."""

    page: PreparedPage
    checkpoint: PageCheckpoint | None = None
    ranges: RangeMark | None = None


def keep_newest(latest: dict[str, Any], party: str, when: Any) -> None:
    """`latest[party]` becomes `when` if it is newer (a record without a date only stands
    for a party not seen before)."""
    seen = latest.get(party)
    latest[party] = when if seen is None or (when and when > seen) else seen


class HistoryRepository(Generic[R]):
    """Subclasses set `fields` (JSON -> columns), `date_column` and `record_type` (a frozen
    record whose fields are the table's columns in order)."""

    fields: ClassVar[FieldMap]
    date_column: ClassVar[str]
    record_type: ClassVar[type]

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def table(self) -> Table:
        return self.fields.table

    # -- writing -------------------------------------------------------------------------
    def commit_page(
        self,
        org_id: int,
        raw_records: Iterable[Mapping[str, Any]],
        *,
        own_numbers: frozenset[str] = frozenset(),
        learn_own: bool = False,
        not_before: datetime | None = None,
        checkpoint: PageCheckpoint | None = None,
        counted_since: datetime | None = None,
        source: str = "import",
        ranges: RangeMark | None = None,
    ) -> PageResult:
        """Upsert a page, its contacts and (optionally) the run's checkpoint in one commit.
        `ranges`: what the page does to its query's date ranges (see `sync_ranges`), saved
        in the same commit.

        `learn_own`: every record's own side (the "to" of an inbound record, the "from" of an
        outbound one) is one of the organization's numbers too, even if it was never
        imported; true of a BYO account, where every record is the organization's. Such a
        number is never a contact (and stops being one). `not_before`: records dated
        earlier are left out (a Shared number's previous holder: Twilio's date filters
        are whole days)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        prepared = self.prepare_page(
            org_id, raw_records, own_numbers=own_numbers, learn_own=learn_own,
            not_before=not_before,
        )  # fmt: skip
        return self.write_page(
            org_id, prepared, own_numbers=own_numbers, checkpoint=checkpoint,
            counted_since=counted_since, source=source, ranges=ranges,
        )  # fmt: skip

    def prepare_page(
        self,
        org_id: int,
        raw_records: Iterable[Mapping[str, Any]],
        *,
        own_numbers: frozenset[str] = frozenset(),
        learn_own: bool = False,
        not_before: datetime | None = None,
    ) -> PreparedPage:
        """The first half of `commit_page`, without the database: convert the records to
        rows in the stored form and find their parties. A sync prepares a page on a
        worker thread while the one before is written (the writes release the GIL while
        SQLite works)."""
        n = native_for(self._dialect)
        fields = self.fields
        convert = fields.stored(self._dialect)
        at, created = fields.position(self.date_column), fields.position("date_created")
        way, From, To = (fields.position(c) for c in ("direction", "from_number", "to_number"))
        parent = fields.position("parent_call_sid") if "parent_call_sid" in fields.columns else None
        floor = n.when(not_before)
        rows: dict[str, tuple[Any, ...]] = {}
        for raw in raw_records:
            row = convert(raw)
            if floor is not None and ((when := row[at] or row[created]) is None or when < floor):
                continue
            rows[str(raw["sid"])] = row  # last one wins on repeats
        sides: list[tuple[str | None, str | None, Any]] = []
        ours: set[str] = set()
        for row in rows.values():
            mine, theirs = parties(
                row[way], row[From], row[To], None if parent is None else row[parent]
            )
            if learn_own and mine:
                ours.add(mine)
            sides.append((mine, theirs, row[at] or row[created]))
        own = own_numbers | ours
        latest: dict[str, Any] = {}
        for _mine, party, when in sides:
            if party is not None and party not in own:
                keep_newest(latest, party, when)
        dates = [when for _, _, when in sides if when is not None]
        oldest, newest = (n.moment(min(dates)), n.moment(max(dates))) if dates else (None, None)
        return PreparedPage(fields.columns, rows, frozenset(ours), latest, oldest, newest)

    def write_page(
        self,
        org_id: int,
        page: PreparedPage,
        *,
        own_numbers: frozenset[str] = frozenset(),
        checkpoint: PageCheckpoint | None = None,
        counted_since: datetime | None = None,
        source: str = "import",
        ranges: RangeMark | None = None,
    ) -> PageResult:
        """The second half of `commit_page`: rows, contacts and checkpoint in one commit."""
        write = PageWrite(page, checkpoint, ranges)
        return self.write_pages(
            org_id, [write], own_numbers=own_numbers, counted_since=counted_since, source=source
        )[0]

    def write_pages(
        self,
        org_id: int,
        writes: Sequence[PageWrite],
        *,
        own_numbers: frozenset[str] = frozenset(),
        counted_since: datetime | None = None,
        source: str = "import",
    ) -> list[PageResult]:
        """Several prepared pages, each with its checkpoint (and range), in one commit: a
        sync writes the pages its readers have ready together. Each commit rewrites every
        index page a write touched, and a SID index is touched all over: a commit per page
        was a third of SQLite's time. The pages still apply in order, as if committed one
        by one: a run's totals build on the page before, and a number learned as the
        organization's own on one page is no contact on the next. `own_numbers` as they
        are now: a number learned since a page was prepared is not made a contact."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        now = utcnow()
        own = set(own_numbers)
        latest: dict[str, Any] = {}  # each party's newest record over the batch
        totals_of: dict[int, dict[str, Any]] = {}
        results: list[PageResult] = []
        with self._sessions() as session:
            for write in writes:
                page, checkpoint = write.page, write.checkpoint
                counts = upsert_rows(
                    session, self.table, org_id, page.columns, page.rows,
                    source=source, now=now, counted_since=counted_since,
                )  # fmt: skip
                own |= page.ours
                for party, when in page.latest.items():
                    keep_newest(latest, party, when)
                totals = None
                if checkpoint is not None:
                    before = totals_of.get(checkpoint.checkpoint_id, checkpoint.counts)
                    totals = add_page(before, counts, page.newest)
                    totals_of[checkpoint.checkpoint_id] = totals
                    save_page(session, checkpoint, totals)
                    if write.ranges is not None:
                        save_range(session, checkpoint.checkpoint_id, write.ranges)
                results.append(PageResult(counts, totals, page.oldest, page.newest, 0, page.ours))
            # Contacts once for the batch: the same outcome as page by page (a number
            # learned as the organization's own on any page is no contact), in two
            # statements instead of two a page.
            if own - own_numbers:
                forget_contacts(session, org_id, own - own_numbers)
            created = touch_contacts(
                session, org_id, {p: w for p, w in latest.items() if p not in own}, now
            )
            session.commit()
        if results and created:
            results[-1] = replace(results[-1], contacts_created=created)
        return results

    @cached_property
    def _dialect(self) -> str:
        return str(self._sessions.kw["bind"].dialect.name)

    def upsert_many(
        self, org_id: int, raw_records: Iterable[Mapping[str, Any]], source: str = "import"
    ) -> UpsertCounts:
        return self.commit_page(org_id, raw_records, source=source).counts

    # -- reading (the browser's queries live in history_search) --------------------------
    @cached_property
    def browse(self) -> HistorySearch:
        return HistorySearch(self._sessions, self.table, self.date_column, self.record_type)

    def search(
        self, org_id: int, query: HistoryQuery, after: HistoryCursor | None = None
    ) -> HistoryPage:
        """A page of `query.limit` records in time order (newest first unless asked), after
        `after`; `truncated` when more follow."""
        return self.browse.page(org_id, query, after)

    def count_matching(self, org_id: int, query: HistoryQuery) -> int:
        return self.browse.count(org_id, query)

    def all_for_org(self, org_id: int) -> list[R]:
        table = self.table
        statement = select(table).where(table.c.organization_id == org_id).order_by(table.c.sid)
        with self._sessions() as session:
            return [self.record_type(*row) for row in session.execute(statement)]

    def count(self, org_id: int) -> int:
        table = self.table
        with self._sessions() as session:
            statement = select(func.count()).where(table.c.organization_id == org_id)
            return int(session.scalar(statement.select_from(table)) or 0)

    def statuses(self, org_id: int) -> list[str]:
        """The statuses present, for the browse filter."""
        return self.browse.statuses(org_id)
