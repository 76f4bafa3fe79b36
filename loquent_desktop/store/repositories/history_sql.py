"""Driver-level SQL for the history sync's write path: statements built once per table and
database, run with the DB-API's own `executemany`, values in the form the driver stores.

Why not SQLAlchemy Core here: a synced page is 1,000 rows of ~20 columns, and Core runs
every value through the column type's bind processing (`UTCDateTime.process_bind_param`
three times a row) and compiles or looks up the statement per page. At a million messages
that was about a third of the whole sync. Here a page is one SELECT, one `executemany` per
kind of write, and the only per-value work is turning a datetime into what the column
holds: SQLite's text (`YYYY-MM-DD HH:MM:SS.ffffff`, exactly what `UTCDateTime` writes, so
rows written either way compare and sort alike) or, on PostgreSQL, the aware datetime
itself (psycopg adapts it to timestamptz).

Comparisons (is a stored row unchanged? is a contact's date later?) happen in that same
stored form: SQLite's text sorts chronologically, PostgreSQL returns aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

_SQLITE_TEXT = 26  # len("2026-01-02 03:04:05.000000")


_LIST_SIZES = (8, 64, 256, 1000)


class Native:
    """One database flavour's placeholders and datetime form."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        self.mark = "?" if self.sqlite else "%s"

    def when(self, value: datetime | str | None) -> Any:
        """A datetime as the column stores it (SQLite: UTC text; PostgreSQL: as is). A str
        is SQLite's stored form already (`history_rows.sqlite_date`)."""
        if value is None or not self.sqlite or isinstance(value, str):
            return value
        if value.tzinfo is not UTC:
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored; pass an aware (UTC) datetime")
            value = value.astimezone(UTC)
        return value.isoformat(" ", "microseconds")[:_SQLITE_TEXT]

    def moment(self, value: Any) -> datetime | None:
        """A stored date back as an aware datetime (the inverse of `when`)."""
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def among(self, column: str, values: Sequence[Any], cast: str) -> tuple[str, list[Any]]:
        """`column IN (...)` and its parameters. On PostgreSQL one array parameter through
        unnest (see `history_rows.one_of` for why not a thousand parameters, nor = ANY)."""
        if self.sqlite:
            # Padded with NULLs (which match nothing) to one of a few lengths: SQLite's
            # statement cache then holds every form, instead of compiling a statement of
            # a thousand parameters again for each page of a new length.
            size = next((n for n in _LIST_SIZES if n >= len(values)), len(values))
            padded = [*values, *([None] * (size - len(values)))]
            return f"{column} IN ({self.marks(size)})", padded
        return f"{column} IN (SELECT unnest(%s::{cast}[]))", [list(values)]


@cache
def native_for(dialect: str) -> Native:
    return Native(dialect)


def native(session: Session) -> Native:
    return native_for(session.get_bind().dialect.name)


def run(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """One statement; its rows (if it returns any) as plain tuples."""
    result = session.connection().exec_driver_sql(sql, tuple(params))
    return [tuple(row) for row in result] if result.returns_rows else []


def run_many(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """One statement for many parameter rows: the driver's own executemany."""
    rows = list(rows)
    if rows:
        session.connection().exec_driver_sql(sql, rows)


# SQLite allows 32,766 parameters a statement (PostgreSQL 65,535): a page of 1,000 rows of
# ~20 columns fits in one.
MAX_PARAMETERS = 30_000


def insert_rows(
    session: Session,
    head: str,
    width: int,
    rows: Sequence[Sequence[Any]],
    arrays: Sequence[str] | None = None,
) -> None:
    """`head` ("INSERT INTO t (a, b)") with many rows: on SQLite as few multi-row statements.

    Not `executemany`: SQLite's driver steps each row on its own, letting go of the GIL and
    taking it back a thousand times a page, and every time it comes back while another
    thread runs Python it waits up to a switch interval (5 ms). One statement is one step:
    SQLite inserts the whole page (and its triggers) while the other threads run. Nor
    statements of a hundred rows, though their one text would be compiled once: each
    statement that writes opens a savepoint, where FTS5 flushes its pending words into a
    new segment, and a page cost 40% more that way than compiling its statement."""
    if not rows:
        return
    n = native(session)
    if not n.sqlite and arrays:
        # One statement with an array per column: PostgreSQL runs a single INSERT for
        # the page, where an executemany (pipelined in one round trip all the same) runs
        # a thousand, each with its own executor start and index descents.
        columns = [list(column) for column in zip(*rows, strict=True)]
        run(session, f"{head} SELECT * FROM unnest({_arrays(tuple(arrays))})", columns)
        return
    if not n.sqlite:
        # One statement with 20,000 parameters measured four times slower there.
        run_many(session, f"{head} VALUES ({n.marks(width)})", rows)
        return
    per = max(1, MAX_PARAMETERS // width)
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        sql = _multi_values(head, n.mark, width, len(part))
        run(session, sql, [value for row in part for value in row])


@cache
def _arrays(types: tuple[str, ...]) -> str:
    return ", ".join(f"%s::{t}[]" for t in types)


def array_type(column: Any) -> str:
    """The PostgreSQL array element type for a column's values, as `insert_rows` casts
    them (text for every string: the column's own length is checked on insert)."""
    from ..column_types import UTCDateTime

    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "timestamptz"
    python = getattr(kind, "python_type", str)
    return {int: "bigint", bool: "boolean", float: "double precision"}.get(python, "text")


@cache
def _multi_values(head: str, mark: str, width: int, count: int) -> str:
    one = "(" + ", ".join([mark] * width) + ")"
    return f"{head} VALUES " + ", ".join([one] * count)
