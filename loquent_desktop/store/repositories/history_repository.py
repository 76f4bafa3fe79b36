"""The part messages and calls share: commit a synced page, browse, count.

`commit_page` is the one write a history sync makes per page. Rows, contacts and the run's
checkpoint go into a single transaction, so after a crash the checkpoint never claims a
page whose rows are missing, nor misses one whose rows are there: a resumed run's counts
stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
from .history_rows import FieldMap, stored_rows, upsert_rows
from .history_search import HistorySearch
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
    """A page converted for writing (see `HistoryRepository.prepare_page`)."""

    by_sid: dict[str, dict[str, Any]]
    stored: dict[str, tuple[Any, ...]]  # the same values in the database's stored form
    ours: frozenset[str]  # numbers seen on the organization's side (learn_own)
    latest: dict[str, datetime | None]  # each other party's newest record
    oldest: datetime | None
    newest: datetime | None


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
        """The first half of `commit_page`, without the database: convert the records and
        find their parties. A sync prepares a page on a worker thread while the one before
        is written (the writes release the GIL while SQLite works)."""
        date_column = self.date_column
        by_sid: dict[str, dict[str, Any]] = {}
        for raw in raw_records:
            values = self.fields.values(raw)
            if not_before is not None:
                when = values[date_column] or values["date_created"]
                if when is None or when < not_before:
                    continue
            by_sid[str(raw["sid"])] = values  # last one wins on repeats
        sides: list[tuple[str | None, str | None, datetime | None]] = []
        ours: set[str] = set()
        dates: list[datetime] = []
        for values in by_sid.values():
            when = values[date_column] or values["date_created"]
            if when is not None:
                dates.append(when)
            mine, theirs = parties(
                values["direction"], values["from_number"], values["to_number"],
                values.get("parent_call_sid"),
            )  # fmt: skip
            if learn_own and mine:
                ours.add(mine)
            sides.append((mine, theirs, when))
        own = own_numbers | ours
        latest: dict[str, datetime | None] = {}
        for _mine, party, when in sides:
            if party is not None and party not in own:
                seen = latest.get(party)
                latest[party] = when if seen is None or (when and when > seen) else seen
        oldest, newest = (min(dates), max(dates)) if dates else (None, None)
        dialect = self._sessions.kw["bind"].dialect.name
        stored = stored_rows(self.table, by_sid, dialect)
        return PreparedPage(by_sid, stored, frozenset(ours), latest, oldest, newest)

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
        """The second half of `commit_page`: rows, contacts and checkpoint in one commit.
        `own_numbers` as they are now: a number learned since the page was prepared is
        not made a contact."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        ours = set(page.ours)
        own = own_numbers | page.ours
        latest = {party: when for party, when in page.latest.items() if party not in own}
        now = utcnow()
        with self._sessions() as session:
            counts = upsert_rows(
                session, self.table, org_id, page.by_sid,
                source=source, now=now, counted_since=counted_since, stored=page.stored,
            )  # fmt: skip
            if ours - own_numbers:
                forget_contacts(session, org_id, ours - own_numbers)
            created = touch_contacts(session, org_id, latest, now)
            totals = None
            if checkpoint is not None:
                totals = add_page(checkpoint.counts, counts, page.newest)
                save_page(session, checkpoint, totals)
                if ranges is not None:
                    save_range(session, checkpoint.checkpoint_id, ranges)
            session.commit()
        return PageResult(counts, totals, page.oldest, page.newest, created, page.ours)

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
