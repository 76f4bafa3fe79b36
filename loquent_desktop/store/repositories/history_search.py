"""The history browser's queries: keyset pages, exact counts and text search, each served
by an index of migrations 0007, 0009 and 0010 at a million rows.

Rows are ordered by their time (`coalesce(<date>, date_created, synced_at)`, never NULL)
then id, the order of `ix_<table>_browse`; a page continues after the last row of the one
before (`HistoryCursor`), seeking to it in the index, so page 500 costs what page 1 does.
Text search uses FTS5 on SQLite and a GIN-indexed stored tsvector on PostgreSQL (0009); a
common word's page walks the time index and keeps the rows that match, a rare word's is
read from its matches. SQLite's index also holds each row's organization, direction and
status as facets (0010), so the words and those filters are matched inside it. Counts
without words add up `history_count` (`history_counts`); with words they count the text
index's matches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import NullType

from ...domain.contacts import INBOUND_DIRECTIONS, OUTBOUND_PREFIX, TRUNK_OUTBOUND
from ...domain.history_records import HistoryCursor, HistoryPage, HistoryQuery
from ...domain.history_search import SearchTerm, search_terms
from ..column_types import UTCDateTime
from . import history_counts

# A SQLite page of a rare word is read from its matches (a lookup and a sort each, ~2.5 µs);
# of a common one by walking the time index and asking FTS5 which rows of each batch match
# (~0.15 ms per 200 rows walked). They cost the same at about sqrt(60 × rows) matches:
# ~7,700 in a million rows.
FEW_FACTOR = 60
FEW_MIN = 2000
FETCH_BATCH = 2000
FTS_WALK = 2000
BATCHES_MAX = 8  # more batches than this a page: one statement walks instead
# On PostgreSQL a page of matches is found by walking the time index, reading the stored
# words of each row the direction and status filters keep (their columns are in the index),
# or by reading every match from the GIN index and sorting them: whichever reads fewer rows.
# An index entry walked costs about this share of a row read (measured at 1M messages).
PG_ENTRY_COST = 1 / 30
# Each row's tsvector as PostgreSQL stores it (migration 0009: a generated column of 0007's
# expression, GIN-indexed).
PG_DOCUMENT = "search_document"


def postgres_document(name: str) -> str:
    """The indexed tsvector of `name`'s rows (its stored column), as SQL."""
    return f"{name}.{PG_DOCUMENT}"


def fts_query(terms: Sequence[SearchTerm], facets: Sequence[str] = ()) -> str:
    """An FTS5 MATCH expression: rows having every term in their words and every facet
    (migration 0010). Terms hold letters and digits only, so quoting them is enough."""
    found = [f'words:"{t.word}"' + ("*" if t.prefix else "") for t in terms]
    return " AND ".join(found + [f'facets:"{f}"' for f in facets])


def fts_facets(query: HistoryQuery, org_id: int | None) -> tuple[str, ...]:
    """The facets (migration 0010) of the rows `query`'s direction and status filters keep,
    and of the organization's rows unless it is None (the sole owner: every row is its)."""
    found = [] if org_id is None else [f"o{org_id}"]
    if query.direction in ("inbound", "outbound"):
        found.append("din" if query.direction == "inbound" else "dout")
    if query.status:
        found.append("s" + query.status.encode().hex())
    return tuple(found)


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
        # The same expression without the type's conversion, for the walks: only the last
        # row's time of a few thousand is used (as the next batch's bound), as stored.
        self.raw_key: ColumnElement[Any] = func.coalesce(
            table_.c[date_column], table_.c.date_created, table_.c.synced_at, type_=NullType()
        )
        self._fts = table(f"{table_.name}_search", column("rowid"))
        self._many: dict[str, int] = {}

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

    def _after(self, when: Any, id_: int, query: HistoryQuery) -> ColumnElement[bool]:
        """Rows after (`when`, `id_`) in the page order. The row comparison alone does not
        seek the index on SQLite (it walked every row before the cursor, so each page cost
        more than the last): the plain bound on the time beside it does."""
        t, key = self.table, self.key
        at = literal(when, UTCDateTime()) if isinstance(when, datetime) else literal(when)
        here, mark = tuple_(key, t.c.id), tuple_(at, literal(id_))
        if query.oldest_first:
            return and_(key >= at, here > mark)
        return and_(key <= at, here < mark)

    def _fts_matches(self, words: str) -> Select[Any]:
        """The ids of the rows matching `words` (an `fts_query` expression)."""
        match = text(f"{self._fts.name} MATCH :match").bindparams(match=words)
        return select(self._fts.c.rowid).where(match)

    def _fts_words(
        self, session: Session, org_id: int, terms: Sequence[SearchTerm], query: HistoryQuery
    ) -> str:
        """The FTS5 expression of `query`'s words with its direction and status filters and,
        when other organizations have rows here, the organization: the text index alone
        then holds exactly the matches (bar a date filter)."""
        owner = None if self._sole_owner(session, org_id) else org_id
        return fts_query(terms, fts_facets(query, owner))

    def _pg_match(self, terms: Sequence[SearchTerm]) -> ColumnElement[bool]:
        document: ColumnElement[Any] = literal_column(postgres_document(self.table.name))
        parsed = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery(terms))
        return document.op("@@", return_type=Boolean)(parsed)

    def _pg_common(
        self, session: Session, terms: Sequence[SearchTerm], kept: float, limit: int
    ) -> bool:
        """Whether the words are common enough (PostgreSQL's own estimate of their matches,
        `kept`: the share of rows the direction and status filters keep) that a page is
        found faster by walking the time index than by reading every match from the GIN
        index (see PG_ENTRY_COST). PostgreSQL is told which (this transaction): its own
        choice between the two misjudges both."""
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
        share = estimate / float(rows) if rows and float(rows) > 0 else 0.0
        # Rows read by a walk: the kept rows until `limit + 1` match; by the matches: each.
        walked = (limit + 1) * (1 + PG_ENTRY_COST / max(kept, 1e-9)) / share if share else math.inf
        common = walked < estimate
        off = "enable_bitmapscan" if common else "enable_indexscan"
        session.execute(text(f"SET LOCAL {off} = off"))
        return common

    def _fts_walk(
        self,
        session: Session,
        org_id: int,
        words: str,
        conditions: list[ColumnElement[bool]],
        query: HistoryQuery,
    ) -> list[int]:
        """A page of a common word's matches on SQLite, walking the time index a few
        thousand rows at a time and asking FTS5 for the matches among each batch's ids (a
        rowid range: a sync stores rows of a time span together, so the range is narrow).
        `id IN (every match)` read all of a common word's matches again for every page."""
        t, key = self.table, self.key
        order = (key.asc(), t.c.id.asc()) if query.oldest_first else (key.desc(), t.c.id.desc())
        rowid = self._fts.c.rowid
        wanted: list[int] = []
        position: tuple[Any, int] | None = None
        while len(wanted) <= query.limit:
            statement = select(t.c.id, self.raw_key).where(
                t.c.organization_id == org_id, *conditions
            )
            if position is not None:
                statement = statement.where(self._after(position[0], position[1], query))
            rows = session.execute(statement.order_by(*order).limit(FTS_WALK)).all()
            if rows:
                ids = [row[0] for row in rows]
                among = self._fts_matches(words).where(rowid >= min(ids), rowid <= max(ids))
                found = set(session.scalars(among))
                wanted += [i for i in ids if i in found]
            if len(rows) < FTS_WALK:
                break
            position = (rows[-1][1], rows[-1][0])
        return wanted[: query.limit + 1]

    def _fts_many(self, session: Session, words: str) -> int:
        """How many rows match `words` (bar a date filter), to choose how to read a page:
        counted once per search, not per page (~20 ms for a word in a fifth of a million
        rows). Only the choice depends on it, never which rows are found."""
        if words not in self._many:
            if len(self._many) >= 64:
                self._many.clear()
            self._many[words] = self._fts_count(session, words)
        return self._many[words]

    def _sqlite_way(self, session: Session, words: str, query: HistoryQuery) -> str:
        """How to read a page of matches on SQLite: "matches" (few: read them all and
        sort, see FEW_FACTOR), "batches" (common: `_fts_walk`), or "walk" (common words
        that a date filter makes rare: one statement walking the time index against the
        list of every match, cheaper than many batches)."""
        rows = session.scalar(select(func.max(self.table.c.id))) or 0
        matches = self._fts_many(session, words)
        if matches <= max(FEW_MIN, int(math.sqrt(FEW_FACTOR * rows))):
            return "matches"
        walk = (query.limit + 1) * rows / max(matches, 1)  # rows to walk for a page
        return "batches" if walk <= BATCHES_MAX * FTS_WALK else "walk"

    def _kept(self, session: Session, org_id: int, query: HistoryQuery) -> float:
        """The share of the organization's rows the direction and status filters keep
        (from the per-day counts): a walk for a page goes that much further."""
        if not (query.direction or query.status):
            return 1.0
        plain = HistoryQuery()
        every = self._counted(session, org_id, plain)
        filtered = replace(plain, direction=query.direction, status=query.status)
        return self._counted(session, org_id, filtered) / every if every else 1.0

    def _fts_count(self, session: Session, words: str) -> int:
        matches = self._fts_matches(words).subquery()
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
            conditions.append(self._after(after.when, after.id, query))
        order = (key.asc(), t.c.id.asc()) if query.oldest_first else (key.desc(), t.c.id.desc())
        walked: list[int] | None = None
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            owner = t.c.organization_id == org_id
            words = self._fts_words(session, org_id, terms, query) if terms and sqlite else ""
            way = self._sqlite_way(session, words, query) if words else ""
            if way == "matches":
                # From the matches: `+ 0` keeps SQLite off the time index.
                owner = (t.c.organization_id + 0) == org_id
                conditions.append(t.c.id.in_(self._fts_matches(words)))
            elif way == "batches":
                walked = self._fts_walk(session, org_id, words, conditions, query)
            elif way == "walk":  # SQLite walks the time index against every match
                conditions.append(t.c.id.in_(self._fts_matches(words)))
            elif terms:
                kept = self._kept(session, org_id, query)
                self._pg_common(session, terms, kept, query.limit)
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
        """Exactly how many rows match: from the per-day counts without search words
        (`_counted`), else from the text index's matches (on SQLite from the index alone
        unless a date filter is set: it holds the direction and status filters)."""
        t = self.table
        terms = search_terms(query.text)
        conditions = self._filters(query)
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            owner = t.c.organization_id == org_id
            if terms and sqlite:
                words = self._fts_words(session, org_id, terms, query)
                if query.date_from is None and query.date_to is None:
                    return self._fts_count(session, words)
                owner = (t.c.organization_id + 0) == org_id
                conditions.append(t.c.id.in_(self._fts_matches(words)))
            elif terms:
                conditions.append(self._pg_match(terms))
            else:
                return self._counted(session, org_id, query)
            statement = select(func.count()).select_from(t).where(owner, *conditions)
            return int(session.scalar(statement) or 0)

    def _counted(self, session: Session, org_id: int, query: HistoryQuery) -> int:
        """A count without search words: whole UTC days from `history_count`, the partial
        days at a date filter's ends from the browse index (a day's rows at most each)."""
        split = history_counts.split_days(query.date_from, query.date_to)
        if split is None:
            return 0
        total = 0
        if split.days:
            total = history_counts.whole_days(session, org_id, self.table.name, query, split)
        t = self.table
        for lo, hi in split.edges:
            edge = self._filters(replace(query, date_from=lo, date_to=hi))
            statement = select(func.count()).select_from(t).where(t.c.organization_id == org_id)
            total += int(session.scalar(statement.where(*edge)) or 0)
        return total

    def statuses(self, org_id: int) -> list[str]:
        """The statuses present, for the browse filter (from `history_count`)."""
        with self._sessions() as session:
            return history_counts.statuses(session, org_id, self.table.name)

    def explain_count(self, org_id: int, query: HistoryQuery) -> list[str]:
        """The database's plan for counting a partial day at a date filter's end (tests
        check it reads the browse index alone)."""
        t = self.table
        split = history_counts.split_days(query.date_from, query.date_to)
        lo, hi = split.edges[0] if split and split.edges else (query.date_from, query.date_to)
        edge = self._filters(replace(query, date_from=lo, date_to=hi))
        statement = select(func.count()).select_from(t).where(t.c.organization_id == org_id)
        with self._sessions() as session:
            return self._plan(session, statement.where(*edge))

    def explain(
        self,
        org_id: int,
        query: HistoryQuery,
        after: HistoryCursor | None = None,
        common: bool = False,
    ) -> list[str]:
        """The database's plan for a page's id query, the first or the one `after` (tests
        check indexes); `common`: of words PostgreSQL walks for. On PostgreSQL with
        sequential scans ruled out: a small test table still shows which index the query
        can use (an expression that differs from the index's cannot)."""
        t, key = self.table, self.key
        terms = search_terms(query.text)
        conditions = self._filters(query)
        if after is not None:
            conditions.append(self._after(after.when, after.id, query))
        with self._sessions() as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            if terms and sqlite:
                words = self._fts_words(session, org_id, terms, query)
                conditions.append(t.c.id.in_(self._fts_matches(words)))
            elif terms:
                conditions.append(self._pg_match(terms))
            ids = select(t.c.id).where(t.c.organization_id == org_id, *conditions)
            ids = ids.order_by(key.desc(), t.c.id.desc()).limit(query.limit)
            if terms and not sqlite:  # as `page` does: a rare word from the GIN index, else a walk
                off = "enable_bitmapscan" if common else "enable_indexscan"
                session.execute(text(f"SET LOCAL {off} = off"))
            return self._plan(session, ids)

    @staticmethod
    def _plan(session: Session, statement: Select[Any]) -> list[str]:
        """The database's plan for `statement`, a line each. On PostgreSQL with sequential
        scans ruled out: a small test table still shows which index the query can use."""
        bind = session.get_bind()
        compiled = statement.compile(bind, compile_kwargs={"literal_binds": True})
        sqlite = bind.dialect.name == "sqlite"
        if not sqlite:
            session.execute(text("SET LOCAL enable_seqscan = off"))
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        return [
            str(row[3 if sqlite else 0]) for row in session.execute(text(prefix + str(compiled)))
        ]
