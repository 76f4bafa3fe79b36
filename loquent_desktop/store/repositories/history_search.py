"""The history browser's queries: keyset pages, exact counts and text search, each served
by an index of migration 0007 at a million rows.

Rows are ordered by their time (`coalesce(<date>, date_created, synced_at)`, never NULL)
then id, the order of `ix_<table>_browse`; a page continues after the last row of the one
before (`HistoryCursor`), so page 500 costs what page 1 does. Text search uses FTS5 on
SQLite and a GIN-indexed tsvector on PostgreSQL; the word expressions here must stay
exactly those of the migration (or the indexes stop being used: the tests check plans).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, sessionmaker

from ...domain.contacts import INBOUND_DIRECTIONS, OUTBOUND_PREFIX, TRUNK_OUTBOUND
from ...domain.history_records import HistoryCursor, HistoryPage, HistoryQuery
from ...domain.history_search import SearchTerm, search_terms
from ..column_types import UTCDateTime

# Below this many text matches a SQLite page is read from the matches (and sorted); above,
# by walking the time index and checking each row against them, which finds a page of a
# common word within a few thousand rows.
FEW_MATCHES = 50_000
FETCH_BATCH = 2000
# On PostgreSQL, a word in at least this share of rows is found by walking the time index;
# a rarer one by reading its matches from the GIN index.
PG_COMMON = 0.01
PG_WALK = 4000

# table -> (text column, number columns): the words migration 0007 indexes.
SEARCHED: dict[str, tuple[str, tuple[str, ...]]] = {
    "message": ("body", ("from_number", "to_number")),
    "call": ("caller_name", ("from_number", "to_number", "forwarded_from")),
}


def postgres_text(name: str) -> str:
    """A row's words as one text (numbers whole and by their last 10 and 7 digits)."""
    text_column, numbers = SEARCHED[name]
    parts = [f"coalesce({text_column}, '')"]
    for number in numbers:
        value = f"coalesce({number}, '')"
        parts += [value, f"right({value}, 10)", f"right({value}, 7)"]
    return " || ' ' || ".join(parts)


def postgres_document(name: str) -> str:
    """The tsvector expression of `ix_<name>_search` (migration 0007), as SQL."""
    joined = postgres_text(name)
    return f"to_tsvector('simple'::regconfig, regexp_replace({joined}, '[[:punct:]]', ' ', 'g'))"


def fts_query(terms: Sequence[SearchTerm]) -> str:
    """An FTS5 MATCH expression: rows having every term. Terms hold letters and digits
    only, so quoting them is enough."""
    return " AND ".join(f'"{t.word}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: Sequence[SearchTerm]) -> str:
    return " & ".join(f"'{t.word}'" + (":*" if t.prefix else "") for t in terms)


class HistorySearch:
    """Reads one history table (messages or calls) for the browser."""

    def __init__(
        self, sessions: sessionmaker[Session], table_: Table, date_column: str, record_type: type
    ) -> None:
        self._sessions = sessions
        self.table = table_
        self.record_type = record_type
        self.key: ColumnElement[Any] = func.coalesce(
            table_.c[date_column], table_.c.date_created, table_.c.synced_at, type_=UTCDateTime()
        )
        self._fts = table(f"{table_.name}_search", column("rowid"))

    # -- building blocks -----------------------------------------------------------------
    def _filters(self, query: HistoryQuery) -> list[ColumnElement[bool]]:
        t, key = self.table, self.key
        found: list[ColumnElement[bool]] = []
        if query.date_from is not None:
            found.append(key >= query.date_from)
        if query.date_to is not None:
            found.append(key < query.date_to)
        if query.direction == "inbound":
            found.append(t.c.direction.in_(INBOUND_DIRECTIONS))
        elif query.direction == "outbound":
            found.append(
                or_(t.c.direction.like(f"{OUTBOUND_PREFIX}%"), t.c.direction == TRUNK_OUTBOUND)
            )
        if query.status:
            found.append(t.c.status == query.status)
        return found

    def _fts_matches(self, terms: Sequence[SearchTerm]) -> Select[Any]:
        """Every organization's matching row ids (the organization is checked on the
        table: a term for it in the index would add a doclist of every row to each query)."""
        match = text(f"{self._fts.name} MATCH :match").bindparams(match=fts_query(terms))
        return select(self._fts.c.rowid).where(match)

    def _pg_match(self, terms: Sequence[SearchTerm]) -> ColumnElement[bool]:
        document: ColumnElement[Any] = literal_column(postgres_document(self.table.name))
        parsed = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery(terms))
        return document.op("@@", return_type=Boolean)(parsed)

    def _pg_common(self, session: Session, terms: Sequence[SearchTerm]) -> bool:
        """Whether the words are common (PostgreSQL's own estimate of their matches): then
        a page is found by walking the time index (`_pg_walk`); a rarer one by reading
        every match from the GIN index and sorting them, which PostgreSQL is told to do
        (left to itself it checks a tsvector, ~50 µs each, on every row it walks)."""
        document = postgres_document(self.table.name)
        plan = session.execute(
            text(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {self.table.name} WHERE {document} "
                "@@ to_tsquery('simple'::regconfig, :words)"
            ),
            {"words": tsquery(terms)},
        ).scalar()
        estimate = float(plan[0]["Plan"]["Plan Rows"])  # type: ignore[index]
        rows = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
            {"name": self.table.name},
        )
        common = rows is not None and float(rows) > 0 and estimate / float(rows) >= PG_COMMON
        if not common:
            session.execute(text("SET LOCAL enable_indexscan = off"))  # this transaction
        return common

    def _pg_walk(
        self,
        session: Session,
        org_id: int,
        terms: Sequence[SearchTerm],
        conditions: list[ColumnElement[bool]],
        query: HistoryQuery,
    ) -> list[int]:
        """A page of a common word's matches, walking the time index a few thousand rows at
        a time: a row whose text lacks a word cannot match (every word of a tsvector is a
        piece of the text), so only the rows that have them all are checked against the
        tsvector, by PostgreSQL."""
        t, key = self.table, self.key
        words: ColumnElement[str] = literal_column(postgres_text(t.name))
        order = (key.asc(), t.c.id.asc()) if query.oldest_first else (key.desc(), t.c.id.desc())
        wanted: list[int] = []
        position: tuple[Any, int] | None = None
        while len(wanted) <= query.limit:
            statement = select(t.c.id, key, words).where(t.c.organization_id == org_id, *conditions)
            if position is not None:
                here = tuple_(key, t.c.id)
                mark = tuple_(literal(position[0], UTCDateTime()), literal(position[1]))
                statement = statement.where(here > mark if query.oldest_first else here < mark)
            rows = session.execute(statement.order_by(*order).limit(PG_WALK)).all()
            candidates = [
                row[0] for row in rows if all(term.word in row[2].lower() for term in terms)
            ]
            if candidates:
                check = select(t.c.id).where(t.c.id.in_(candidates), self._pg_match(terms))
                confirmed = set(session.scalars(check))
                wanted += [i for i in candidates if i in confirmed]
            if len(rows) < PG_WALK:
                break
            position = (rows[-1][1], rows[-1][0])
        return wanted[: query.limit + 1]

    def _fts_count(self, session: Session, terms: Sequence[SearchTerm]) -> int:
        matches = self._fts_matches(terms).subquery()
        return int(session.scalar(select(func.count()).select_from(matches)) or 0)

    def _sole_owner(self, session: Session, org_id: int) -> bool:
        """Whether no other organization has rows here (the usual case): then a count
        needs no check of each row's organization. Two index probes."""
        t = self.table
        for other in (t.c.organization_id < org_id, t.c.organization_id > org_id):
            if session.scalar(select(t.c.id).where(other).limit(1)) is not None:
                return False
        return True

    # -- reading -------------------------------------------------------------------------
    def page(
        self, org_id: int, query: HistoryQuery, after: HistoryCursor | None = None
    ) -> HistoryPage:
        """The next `query.limit` rows after `after` (the first page when None)."""
        t, key = self.table, self.key
        terms = search_terms(query.text)
        conditions = self._filters(query)
        if after is not None:
            position = tuple_(key, t.c.id)
            mark = tuple_(literal(after.when, UTCDateTime()), literal(after.id))
            conditions.append(position > mark if query.oldest_first else position < mark)
        order = (key.asc(), t.c.id.asc()) if query.oldest_first else (key.desc(), t.c.id.desc())
        walked: list[int] | None = None
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            owner = t.c.organization_id == org_id
            if terms and sqlite:
                matches = self._fts_matches(terms)
                if self._fts_count(session, terms) <= FEW_MATCHES:
                    # From the matches: `+ 0` keeps SQLite off the time index.
                    owner = (t.c.organization_id + 0) == org_id
                conditions.append(t.c.id.in_(matches))
            elif terms and self._pg_common(session, terms):
                walked = self._pg_walk(session, org_id, terms, conditions, query)
            elif terms:
                conditions.append(self._pg_match(terms))
            if walked is None:
                ids = select(t.c.id).where(owner, *conditions).order_by(*order)
                walked = list(session.scalars(ids.limit(query.limit + 1)))
            wanted = walked
            more = len(wanted) > query.limit
            wanted = wanted[: query.limit]
            rows: dict[int, Any] = {}
            statement = select(t).where(t.c.id.in_(wanted)).execution_options(yield_per=FETCH_BATCH)
            for part in session.execute(statement).partitions():
                rows.update((row.id, self.record_type(*row)) for row in part)
        records = [rows[i] for i in wanted if i in rows]
        last = records[-1] if records else None
        cursor = HistoryCursor(last.when or last.synced_at, last.id) if more and last else None
        return HistoryPage(records, truncated=more, next=cursor)

    def count(self, org_id: int, query: HistoryQuery) -> int:
        """Exactly how many rows match, from an index: the time index (it holds direction
        and status) or the text index."""
        t = self.table
        terms = search_terms(query.text)
        conditions = self._filters(query)
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            owner = t.c.organization_id == org_id
            if terms and sqlite:
                if not conditions and self._sole_owner(session, org_id):
                    return self._fts_count(session, terms)
                owner = (t.c.organization_id + 0) == org_id
                conditions.append(t.c.id.in_(self._fts_matches(terms)))
            elif terms:
                conditions.append(self._pg_match(terms))
            if not terms and not conditions and self._sole_owner(session, org_id):
                owner = true()  # SQLite counts a whole table without reading its rows
            statement = select(func.count()).select_from(t).where(owner, *conditions)
            return int(session.scalar(statement) or 0)

    def statuses(self, org_id: int) -> list[str]:
        """The statuses present, for the browse filter."""
        t = self.table
        statement = (
            select(t.c.status)
            .where(t.c.organization_id == org_id, t.c.status.is_not(None))
            .distinct()
            .order_by(t.c.status)
        )
        with self._sessions() as session:
            return [str(s) for s in session.scalars(statement)]

    def explain(self, org_id: int, query: HistoryQuery) -> list[str]:
        """The database's plan for the first page's id query (tests check indexes). On
        PostgreSQL with sequential scans ruled out: a small test table still shows which
        index the query can use (an expression that differs from the index's cannot)."""
        t, key = self.table, self.key
        terms = search_terms(query.text)
        conditions = self._filters(query)
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            if terms and sqlite:
                conditions.append(t.c.id.in_(self._fts_matches(terms)))
            elif terms:
                conditions.append(self._pg_match(terms))
            ids = select(t.c.id).where(t.c.organization_id == org_id, *conditions)
            ids = ids.order_by(key.desc(), t.c.id.desc()).limit(query.limit)
            compiled = ids.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            if not sqlite:
                session.execute(text("SET LOCAL enable_seqscan = off"))
                if terms:  # as `page` does for a rare word: the plan from the GIN index
                    session.execute(text("SET LOCAL enable_indexscan = off"))
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            result = session.execute(text(prefix + str(compiled)))
            column_ = 3 if sqlite else 0
            return [str(row[column_]) for row in result]
