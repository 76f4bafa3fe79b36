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
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ...domain.contacts import INBOUND_DIRECTIONS, OUTBOUND_PREFIX, TRUNK_OUTBOUND, parties
from ...domain.history_records import HistoryPage, HistoryQuery, PageCheckpoint, UpsertCounts
from ..column_types import utcnow
from .contacts import forget_contacts, touch_contacts
from .history_rows import FieldMap, upsert_rows
from .sync_checkpoints import add_page, save_page

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
    ) -> PageResult:
        """Upsert a page, its contacts and (optionally) the run's checkpoint in one commit.

        `learn_own`: every record's own side (the "to" of an inbound record, the "from" of an
        outbound one) is one of the organization's numbers too, even if it was never
        imported; true of a BYO account, where every record is the organization's. Such a
        number is never a contact (and stops being one). `not_before`: records dated
        earlier are left out (a Shared number's previous holder: Twilio's date filters
        are whole days)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
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
        now = utcnow()
        with self._sessions() as session:
            counts = upsert_rows(
                session, self.table, org_id, by_sid,
                source=source, now=now, counted_since=counted_since,
            )  # fmt: skip
            if ours - own_numbers:
                forget_contacts(session, org_id, ours - own_numbers)
            created = touch_contacts(session, org_id, latest, now)
            totals = None
            if checkpoint is not None:
                totals = add_page(checkpoint.counts, counts, newest)
                save_page(session, checkpoint, totals)
            session.commit()
        return PageResult(counts, totals, oldest, newest, created, frozenset(ours))

    def upsert_many(
        self, org_id: int, raw_records: Iterable[Mapping[str, Any]], source: str = "import"
    ) -> UpsertCounts:
        return self.commit_page(org_id, raw_records, source=source).counts

    # -- reading -------------------------------------------------------------------------
    def search(self, org_id: int, query: HistoryQuery) -> HistoryPage:
        """Newest first, at most `query.limit` records (and whether more matched)."""
        table = self.table
        when = table.c[self.date_column]
        statement = select(table).where(table.c.organization_id == org_id)
        if query.date_from is not None:
            statement = statement.where(when >= query.date_from)
        if query.date_to is not None:
            statement = statement.where(when < query.date_to)
        direction = table.c.direction
        if query.direction == "inbound":
            statement = statement.where(direction.in_(INBOUND_DIRECTIONS))
        elif query.direction == "outbound":
            statement = statement.where(
                or_(direction.like(f"{OUTBOUND_PREFIX}%"), direction == TRUNK_OUTBOUND)
            )
        if query.status:
            statement = statement.where(table.c.status == query.status)
        statement = statement.order_by(when.desc().nulls_last(), table.c.id.desc())
        statement = statement.limit(query.limit + 1).execution_options(yield_per=FETCH_BATCH)
        make = self.record_type
        records: list[Any] = []
        with self._sessions() as session:
            # In batches: one fetch of 50,000 rows is a single C call that holds the GIL
            # (and so the window) for 100+ ms on PostgreSQL.
            for part in session.execute(statement).partitions():
                records.extend(make(*row) for row in part)
        truncated = len(records) > query.limit
        return HistoryPage(records[: query.limit], truncated=truncated)

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
        table = self.table
        statement = (
            select(table.c.status)
            .where(table.c.organization_id == org_id, table.c.status.is_not(None))
            .distinct()
            .order_by(table.c.status)
        )
        with self._sessions() as session:
            return [str(s) for s in session.scalars(statement)]
