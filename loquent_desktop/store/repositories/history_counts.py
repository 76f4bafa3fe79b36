"""Exact history counts from `history_count` (migration 0009): rows per organization, UTC
day, direction and status, kept by the sync's write and summed by the browser.

Why: at a million messages an exact count with a direction or status filter read the whole
browse index (~1M entries, 150-250 ms). Summed per day it is a few thousand small rows.
A date filter that does not fall on UTC midnights (the browser's are local midnights)
adds the rows of its partial first and last day, counted from the browse index: at most
two days of rows.

Writing: `track_page` is called once at the end of `history_rows.upsert_rows` (the one
writer of history rows, sync and webhook alike) with what that function already has, and
adds the page's changes in one statement: new rows, rows whose day, direction or status
changed, and rows without any date whose `synced_at` (their browse time then) moved. No
trigger: a per-row trigger would cost every stored row far more than this. Rows removed
with their organization take their counts with them (ON DELETE CASCADE). Rows written by
other means (a bulk load) are counted again by `recount`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, delete, func, or_, select, text
from sqlalchemy.orm import Session

from ...domain.contacts import INBOUND_DIRECTIONS, OUTBOUND_PREFIX, TRUNK_OUTBOUND
from ...domain.history_records import HistoryQuery
from ..models import HistoryCount

# table -> its browse time's own column (then date_created, then synced_at)
TIME_COLUMN = {"message": "date_sent", "call": "start_time"}
counts = cast(Table, HistoryCount.__table__)
Key = tuple[Any, str, str]  # (day in the stored form, direction, status)


# -- writing -------------------------------------------------------------------------------
@cache
def _positions(table: str, columns: tuple[str, ...]) -> tuple[int, int, int, int] | None:
    """Where the time, date_created, direction and status are among `columns`."""
    if table not in TIME_COLUMN:
        return None
    return (
        columns.index(TIME_COLUMN[table]),
        columns.index("date_created"),
        columns.index("direction"),
        columns.index("status"),
    )


def _sqlite_day(value: str) -> str:
    return value[:10]  # "YYYY-MM-DD HH:MM:SS.ffffff", UTC


def _postgres_day(value: datetime | str) -> date:
    if isinstance(value, str):  # should the write path ever hand over ISO text
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).date()


def track_page(
    session: Session,
    table: Table,
    org_id: int,
    new_rows: Sequence[Sequence[Any]],
    changed: Sequence[Sequence[Any]],
    existing: Mapping[str, Sequence[Any]],
    columns: Sequence[str],
    stamp: Any,
) -> None:
    """Add one written page to the counts. Arguments as `upsert_rows` has them, values in
    their stored form: `new_rows` (organization_id, sid, source, synced_at, *columns),
    `changed` (*columns, synced_at, id), `existing` (sid -> id, sid, synced_at, *columns,
    as read before the write) and `stamp`, the `synced_at` every existing row now has."""
    where = _positions(table.name, tuple(columns))
    if where is None:
        return
    t, c, d, s = where
    sqlite = session.get_bind().dialect.name == "sqlite"
    day = _sqlite_day if sqlite else _postgres_day
    deltas: dict[Key, int] = {}
    get = deltas.get
    for row in new_rows:
        key = (day(row[4 + t] or row[4 + c] or row[3]), row[4 + d] or "", row[4 + s] or "")
        deltas[key] = get(key, 0) + 1
    moved: set[int] = set()
    if changed:
        by_id = {row[0]: row for row in existing.values()}
        for row in changed:
            old = by_id[row[-1]]
            moved.add(old[0])
            before = (day(old[3 + t] or old[3 + c] or old[2]), old[3 + d] or "", old[3 + s] or "")
            after = (day(row[t] or row[c] or row[-2]), row[d] or "", row[s] or "")
            if before != after:
                deltas[before] = get(before, 0) - 1
                deltas[after] = get(after, 0) + 1
    for old in existing.values():  # undated rows left as they were: synced_at moved
        if old[3 + t] is None and old[3 + c] is None and old[0] not in moved:
            before = (day(old[2]), old[3 + d] or "", old[3 + s] or "")
            after = (day(stamp), before[1], before[2])
            if before != after:
                deltas[before] = get(before, 0) - 1
                deltas[after] = get(after, 0) + 1
    rows = sorted(item for item in deltas.items() if item[1])  # one lock order for all
    if not rows:
        return
    mark = "?" if sqlite else "%s"
    one = f"({', '.join([mark] * 6)})"
    sql = (
        "INSERT INTO history_count (organization_id, kind, day, direction, status, total) "
        f"VALUES {', '.join([one] * len(rows))} "
        "ON CONFLICT (organization_id, kind, day, direction, status) "
        "DO UPDATE SET total = history_count.total + excluded.total"
    )
    params: list[Any] = []
    for (when, direction, status), total in rows:
        params += (org_id, table.name, when, direction, status, total)
    session.connection().exec_driver_sql(sql, tuple(params))


def recount(session: Session, table: Table, org_id: int) -> None:
    """Count an organization's rows again from the table (the migration's backfill, for
    one organization): for rows stored by other means than `upsert_rows`."""
    when = f"coalesce({TIME_COLUMN[table.name]}, date_created, synced_at)"
    sqlite = session.get_bind().dialect.name == "sqlite"
    day = f"substr({when}, 1, 10)" if sqlite else f"CAST(({when} AT TIME ZONE 'UTC') AS date)"
    session.execute(delete(counts).where(counts.c.organization_id == org_id,
                                         counts.c.kind == table.name))  # fmt: skip
    session.execute(
        text(
            "INSERT INTO history_count (organization_id, kind, day, direction, status, total) "
            f"SELECT organization_id, '{table.name}', {day}, coalesce(direction, ''), "
            f"coalesce(status, ''), count(*) FROM {table.name} WHERE organization_id = :org "
            f"GROUP BY organization_id, {day}, coalesce(direction, ''), coalesce(status, '')"
        ),
        {"org": org_id},
    )


# -- reading -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DaySplit:
    """A date filter as whole UTC days, summed from `history_count` (`first` to `end`,
    exclusive; None: unbounded), and the partial days at its ends (`edges`: [from, to)
    ranges counted from the rows). `days` is False when the filter spans no whole day."""

    days: bool
    first: date | None
    end: date | None
    edges: tuple[tuple[datetime | None, datetime | None], ...]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def split_days(date_from: datetime | None, date_to: datetime | None) -> DaySplit | None:
    """The whole days and partial edges of [date_from, date_to); None when it is empty."""
    lo = None if date_from is None else date_from.astimezone(UTC)
    hi = None if date_to is None else date_to.astimezone(UTC)
    if lo is not None and hi is not None and lo >= hi:
        return None
    first = None
    if lo is not None:
        first = lo.date() if lo == _midnight(lo.date()) else lo.date() + timedelta(days=1)
    end = None if hi is None else hi.date()
    if first is not None and end is not None and first >= end:
        return DaySplit(False, None, None, ((lo, hi),))
    edges: list[tuple[datetime | None, datetime | None]] = []
    if lo is not None and first is not None and lo < _midnight(first):
        edges.append((lo, _midnight(first)))
    if hi is not None and end is not None and _midnight(end) < hi:
        edges.append((_midnight(end), hi))
    return DaySplit(True, first, end, tuple(edges))


def _conditions(org_id: int, kind: str, query: HistoryQuery) -> list[ColumnElement[bool]]:
    found = [counts.c.organization_id == org_id, counts.c.kind == kind]
    if query.direction == "inbound":
        found.append(counts.c.direction.in_(INBOUND_DIRECTIONS))
    elif query.direction == "outbound":
        found.append(
            or_(
                counts.c.direction.like(f"{OUTBOUND_PREFIX}%"),
                counts.c.direction == TRUNK_OUTBOUND,
            )
        )
    if query.status:
        found.append(counts.c.status == query.status)
    return found


def _sum(org_id: int, kind: str, query: HistoryQuery, split: DaySplit) -> Select[Any]:
    conditions = _conditions(org_id, kind, query)
    if split.first is not None:
        conditions.append(counts.c.day >= split.first)
    if split.end is not None:
        conditions.append(counts.c.day < split.end)
    return select(func.coalesce(func.sum(counts.c.total), 0)).where(*conditions)


def whole_days(
    session: Session, org_id: int, kind: str, query: HistoryQuery, split: DaySplit
) -> int:
    """The rows of `split`'s whole days matching the direction and status filters."""
    return int(session.scalar(_sum(org_id, kind, query, split)) or 0)


def _statuses(org_id: int, kind: str) -> Select[Any]:
    return (
        select(counts.c.status)
        .where(counts.c.organization_id == org_id, counts.c.kind == kind)
        .where(counts.c.total > 0, counts.c.status != "")
        .distinct()
        .order_by(counts.c.status)
    )


def statuses(session: Session, org_id: int, kind: str) -> list[str]:
    """The statuses an organization's rows have, from the counts."""
    return [str(s) for s in session.scalars(_statuses(org_id, kind))]


def explain(session: Session, org_id: int, kind: str, query: HistoryQuery) -> list[list[str]]:
    """The database's plans for `whole_days` and `statuses` (tests check both use the
    primary key). On PostgreSQL with sequential scans ruled out (a small test table)."""
    split = split_days(query.date_from, query.date_to) or DaySplit(True, None, None, ())
    bind = session.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if not sqlite:
        session.execute(text("SET LOCAL enable_seqscan = off"))
    plans = []
    for statement in (_sum(org_id, kind, query, split), _statuses(org_id, kind)):
        compiled = statement.compile(bind, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        result = session.execute(text(prefix + str(compiled)))
        plans.append([str(row[3 if sqlite else 0]) for row in result])
    return plans
