"""Bulk upsert of synced history rows by (organization_id, sid), with exact counts.

Shared by messages and calls. One page (up to 1,000 records) costs one SELECT of the rows
already there, compared field by field in Python, then one executemany INSERT for the new
ones, one executemany UPDATE for the changed ones and one UPDATE that stamps `synced_at` on
the unchanged ones. Statements are built once per table and run at the driver level with
values in their stored form (see `history_sql`): the same code runs on SQLite and
PostgreSQL, and a million messages cost about what reading them from Twilio costs.

`synced_at` is "the last time a sync saw this row". A run passes its start time as
`counted_since`: a row stamped at or after it was already counted by this run (the same
message met by a To= and a From= query, or a page read again after a crash), so it is
reported as `repeated`, never twice as new/updated/unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ...domain.history_records import UpsertCounts
from ..column_types import UTCDateTime
from .history_counts import track_page
from .history_sql import Native, array_type, insert_rows, native_for, run, run_many
from .phone_numbers import parse_twilio_date

# Below SQLite's and PostgreSQL's bound-parameter limits with room to spare.
CHUNK = 1000
Convert = Callable[[Any], Any]


def as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def as_int(value: Any) -> int | None:
    """Twilio sends some counts as strings ("1") and leaves others empty."""
    if value is None or value == "":
        return None
    return int(value)


_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
)}  # fmt: skip


def as_date(value: Any) -> datetime | None:
    """Twilio's RFC 2822 dates ("Tue, 24 Nov 2026 10:00:00 +0000"), read by slicing: the
    email module's parser costs ~12 µs a date, three dates a record, 100,000 records a
    sync. Anything else goes to the general parser."""
    if isinstance(value, str) and len(value) == 31 and value.endswith(" +0000"):
        try:
            return datetime(
                int(value[12:16]), _MONTHS[value[8:11]], int(value[5:7]),
                int(value[17:19]), int(value[20:22]), int(value[23:25]), tzinfo=UTC,
            )  # fmt: skip
        except (KeyError, ValueError):
            pass
    return parse_twilio_date(value)


_RFC2822_UTC = re.compile(
    r"[A-Z][a-z]{2}, (0[1-9]|[12]\d|3[01]) ([A-Z][a-z]{2}) (\d{4}) "
    r"((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d) \+0000"
)
_MONTH_DIGITS = {m: f"{i:02d}" for m, i in _MONTHS.items()}


def sqlite_date(value: Any) -> str | None:
    """A Twilio date as SQLite stores it ("2026-11-24 10:00:00.000000", what `UTCDateTime`
    writes), by rearranging the text. Days past the 28th and anything unusual go through
    `as_date`, which checks the date exists."""
    if value.__class__ is str and (m := _RFC2822_UTC.fullmatch(value)) and m[1] <= "28":
        month = _MONTH_DIGITS.get(m[2])
        if month is not None:
            return f"{m[3]}-{month}-{m[1]} {m[4]}.000000"
    text: str | None = native_for("sqlite").when(as_date(value))
    return text


@dataclass(frozen=True)
class FieldMap:
    """Twilio JSON record -> column values: (column, JSON key, converter) per field."""

    table: Table
    fields: tuple[tuple[str, str, Convert], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _, _ in self.fields)

    @cached_property
    def _plan(self) -> tuple[tuple[str, str, Convert, int | None], ...]:
        return tuple(
            (column, key, convert, getattr(self.table.c[column].type, "length", None))
            for column, key, convert in self.fields
        )

    def values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """A record's column values as Python values (datetimes for dates)."""
        values: dict[str, Any] = self._converter(None)(raw)
        return values

    def stored(self, dialect: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """The function that turns a record straight into its row in `dialect`'s stored
        form (see `history_sql`), in `columns` order: what a sync writes and compares."""
        return self._converter(dialect)

    def position(self, column: str) -> int:
        return self.columns.index(column)

    @cache  # noqa: B019  (a few FieldMaps live for the whole process)
    def _converter(self, dialect: str | None) -> Callable[[Mapping[str, Any]], Any]:
        """One generated function per form: a million records, ~16 fields each, make a loop
        over the plan (a call, a tuple unpacking and a check per field) cost more than the
        JSON decoding. Text passes through as is when it already is text. `dialect` None:
        a dict of Python values; otherwise a tuple in that database's stored form, where a
        SQLite date goes from Twilio's text to SQLite's text without a datetime between
        (three dates a record were a fifth of a sync's CPU)."""
        env: dict[str, Any] = {"_cut": _cut, "_text": _text}
        items = []
        for i, (column, key, convert, length) in enumerate(self._plan):
            if convert is as_text and length:  # the usual case costs one check
                value = (
                    f"(v if (v := get({key!r})) is None or (v.__class__ is str and "
                    f"len(v) <= {length}) else _cut(_text(v), {length}))"
                )
            elif convert is as_text:
                value = f"(v if (v := get({key!r})) is None or v.__class__ is str else str(v))"
            elif convert is as_date and dialect == "sqlite":
                env[f"c{i}"] = sqlite_date
                value = f"c{i}(get({key!r}))"
            else:
                env[f"c{i}"] = convert
                value = f"c{i}(get({key!r}))"
                if length:
                    value = f"_cut({value}, {length})"
            items.append(value if dialect else f"{column!r}: {value}")
        body = "{" + ", ".join(items) + "}" if dialect is None else "(" + ", ".join(items) + ",)"
        source = f"def convert(raw):\n    get = raw.get\n    return {body}\n"
        exec(source, env)  # our own column names and JSON keys, from the field list above
        converter: Callable[[Mapping[str, Any]], Any] = env["convert"]
        return converter


def _text(value: Any) -> Any:
    return value if value is None or value.__class__ is str else str(value)


def _cut(value: Any, length: int) -> Any:
    # PostgreSQL refuses an over-long value (SQLite would keep it): cut it, so one odd SIP
    # address cannot stop a sync, and compare the cut value later.
    if value.__class__ is str and len(value) > length:
        return value[:length]
    return value


def text_field(column: str, key: str | None = None) -> tuple[str, str, Convert]:
    return column, key or column, as_text


def int_field(column: str, key: str | None = None) -> tuple[str, str, Convert]:
    return column, key or column, as_int


def date_field(column: str, key: str | None = None) -> tuple[str, str, Convert]:
    return column, key or column, as_date


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def one_of(session: Session, column: ColumnElement[Any], values: list[Any]) -> ColumnElement[bool]:
    """`column IN values`, for a page's worth of values. On PostgreSQL, `column IN (SELECT
    unnest(array))`: one parameter instead of a thousand. With a thousand, psycopg parses
    each long statement again in Python (holding the GIL the window needs), and once it
    prepares one (its fifth run, as pages of 1,000 repeat the same text) PostgreSQL's
    generic plan compares every row of the organization with all 1,000 values, ~250 ms a
    page. The unnest form plans as a join on the (organization_id, sid) index whether
    prepared or not: ~6 ms. (`= ANY(array)` would not: a generic plan cannot hash it.)"""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, values, type_=ARRAY(column.type))
        return column.in_(select(func.unnest(array)).scalar_subquery())
    return column.in_(values)


@dataclass(frozen=True)
class _Statements:
    """A table's upsert statements for one set of columns, built once (see `history_sql`)."""

    native: Native
    columns: tuple[str, ...]
    dates: tuple[bool, ...]  # per column: a datetime, stored in the driver's form
    stored: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # column values, stored form
    existing: str  # ... WHERE organization_id = ? AND <sid among>
    insert: str  # without VALUES (see `history_sql.insert_rows`)
    update: str
    stamp: str  # ... WHERE <id among>
    arrays: tuple[str, ...]  # the insert's columns' PostgreSQL array types


@cache
def _statements(table: Table, columns: tuple[str, ...], dialect: str) -> _Statements:
    n = native_for(dialect)
    name = table.name
    dates = tuple(isinstance(table.c[c].type, UTCDateTime) for c in columns)
    listed = ", ".join(columns)
    heads = ("organization_id", "sid", "source", "synced_at", *columns)
    # One generated function: a genexpr over the columns cost as much as the insert itself.
    parts = [f"when(v[{c!r}])" if d else f"v[{c!r}]" for c, d in zip(columns, dates, strict=True)]
    env: dict[str, Any] = {"when": n.when}
    exec(f"def stored(v):\n    return ({', '.join(parts)},)\n", env)  # our column names
    return _Statements(
        n,
        columns,
        dates,
        env["stored"],
        f"SELECT id, sid, synced_at, {listed} FROM {name} WHERE organization_id = {n.mark} AND ",
        f"INSERT INTO {name} ({', '.join(heads)})",
        f"UPDATE {name} SET {', '.join(f'{c} = {n.mark}' for c in columns)}, "
        f"synced_at = {n.mark} WHERE id = {n.mark}",
        f"UPDATE {name} SET synced_at = {n.mark} WHERE ",
        tuple(array_type(table.c[c]) for c in heads),
    )


def stored_rows(
    table: Table, by_sid: Mapping[str, dict[str, Any]], dialect: str
) -> tuple[tuple[str, ...], dict[str, tuple[Any, ...]]]:
    """Records converted to Python values (`FieldMap.values`), as their columns and each
    row in the database's stored form, for `upsert_rows`."""
    if not by_sid:
        return (), {}
    sql = _statements(table, tuple(next(iter(by_sid.values()))), dialect)
    return sql.columns, {sid: sql.stored(values) for sid, values in by_sid.items()}


def upsert_rows(
    session: Session,
    table: Table,
    org_id: int,
    columns: tuple[str, ...],
    stored: Mapping[str, tuple[Any, ...]],
    *,
    source: str,
    now: datetime,
    counted_since: datetime | None = None,
) -> UpsertCounts:
    """Insert new rows, refresh changed ones, leave equal ones alone (bar `synced_at`).

    `stored`: each record's `columns` values by SID, in the database's stored form (see
    `history_sql`): rows are compared and written as they are, with no per-value bind
    processing on a million-row sync. `source` is written on insert only: a row first
    received by a webhook stays one. The caller commits.
    """
    if not stored:
        return UpsertCounts()
    sql = _statements(table, columns, session.get_bind().dialect.name)
    n, when = sql.native, sql.native.when
    existing: dict[str, tuple[Any, ...]] = {}
    for part in chunks(list(stored)):
        where, params = n.among("sid", part, "text")
        for row in run(session, sql.existing + where, [org_id, *params]):
            existing[row[1]] = row

    stamp_now = when(now)
    since = when(counted_since) if counted_since is not None else None
    new_rows: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    unchanged_ids: list[int] = []
    updated = unchanged = repeated = 0
    for sid, row_values in stored.items():
        found = existing.get(sid)
        if found is None:
            new_rows.append((org_id, sid, source, stamp_now, *row_values))
            continue
        row = found
        same = row[3:] == row_values
        if same:
            unchanged_ids.append(row[0])
        else:
            changed.append((*row_values, stamp_now, row[0]))
        if since is not None and row[2] >= since:
            repeated += 1
        elif same:
            unchanged += 1
        else:
            updated += 1

    insert_rows(session, sql.insert, 4 + len(sql.columns), new_rows, sql.arrays)
    run_many(session, sql.update, changed)
    for ids in chunks(unchanged_ids):
        where, params = n.among("id", ids, "bigint")
        run(session, sql.stamp + where, [stamp_now, *params])
    track_page(session, table, org_id, new_rows, changed, existing, sql.columns, stamp_now)
    return UpsertCounts(len(new_rows), updated, unchanged, repeated)
