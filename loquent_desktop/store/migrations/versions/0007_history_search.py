"""History search and browse indexes: the Sync tab's browser answers from indexes at a
million messages.

- `ix_message_browse` / `ix_call_browse`: (organization, time, id, direction, status),
  where time is `coalesce(date_sent, date_created, synced_at)` (`start_time` for calls):
  newest-first pages read in index order (keyset paging), and counts with direction and
  status filters are answered from the index alone. They replace the plain date indexes,
  which no query used (the browser sorted with NULLS LAST, which they could not serve).
- Text search over the whole history: on SQLite an FTS5 index (`message_search`,
  `call_search`) with external content (a view of the words and numbers of
  each row), kept current by triggers on insert, update and delete, so the sync's write
  path needs no change; on PostgreSQL a GIN index on the same words as a `tsvector`.
  Upgrading backfills both from the rows already stored.

The indexed words of a row: its text (a message's body, a call's caller name) and its
numbers whole, by their last 10 and last 7 digits (what people type: "415 555 0100",
"555-0100"). The repository
(`store/repositories/history_search.py`) must build exactly the same expressions; its
tests check the indexes are used.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (time column, text column, number columns)
SEARCHED = {
    "message": ("date_sent", "body", ("from_number", "to_number")),
    "call": ("start_time", "caller_name", ("from_number", "to_number", "forwarded_from")),
}
OLD_DATE_INDEX = {"message": "ix_message_date_sent", "call": "ix_call_start_time"}


def _words_sqlite(table: str, row: str) -> str:
    """The indexed words of a row, as SQLite computes them (`row`: "new.", "old." or "")."""
    _time, text, numbers = SEARCHED[table]
    parts = [f"coalesce({row}{text}, '')"]
    for column in numbers:
        value = f"coalesce({row}{column}, '')"
        parts += [value, f"substr({value}, -10)", f"substr({value}, -7)"]
    return " || ' ' || ".join(parts)


def _words_postgres(table: str) -> str:
    """The same words as a tsvector. Punctuation becomes spaces first, so PostgreSQL's
    parser splits words as FTS5's unicode61 does ("+1415…" -> "1415…", "a@b.com" -> three
    words)."""
    _time, text, numbers = SEARCHED[table]
    parts = [f"coalesce({text}, '')"]
    for column in numbers:
        value = f"coalesce({column}, '')"
        parts += [value, f"right({value}, 10)", f"right({value}, 7)"]
    joined = " || ' ' || ".join(parts)
    return f"to_tsvector('simple'::regconfig, regexp_replace({joined}, '[[:punct:]]', ' ', 'g'))"


def _browse_index(table: str) -> None:
    time = SEARCHED[table][0]
    op.create_index(
        f"ix_{table}_browse",
        table,
        [
            "organization_id",
            sa.text(f"coalesce({time}, date_created, synced_at)"),
            "id",
            "direction",
            "status",
        ],
    )


def _sqlite_search(table: str) -> None:
    search = f"{table}_search"
    op.execute(
        f"CREATE VIEW {search}_source AS SELECT id, {_words_sqlite(table, '')} AS words "
        f"FROM {table}"
    )
    # detail=column: no positions (single-word terms only), a smaller index and cheaper
    # inserts; columnsize=0: no ranking, so no per-row sizes to store.
    op.execute(
        f"CREATE VIRTUAL TABLE {search} USING fts5(words, content='{search}_source', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2', detail=column, "
        "columnsize=0)"
    )
    insert = f"INSERT INTO {search}(rowid, words) VALUES (new.id, {_words_sqlite(table, 'new.')});"
    delete = (
        f"INSERT INTO {search}({search}, rowid, words) "
        f"VALUES ('delete', old.id, {_words_sqlite(table, 'old.')});"
    )
    _time, text, numbers = SEARCHED[table]
    watched = ", ".join((text, *numbers))
    op.execute(f"CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN {delete} END")
    op.execute(
        f"CREATE TRIGGER {search}_update AFTER UPDATE OF {watched} ON {table} "
        f"BEGIN {delete} {insert} END"
    )
    op.execute(f"INSERT INTO {search}({search}) VALUES ('rebuild')")  # the rows already here


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in SEARCHED:
        op.drop_index(OLD_DATE_INDEX[table], table_name=table)
        _browse_index(table)
        if sqlite:
            _sqlite_search(table)
        else:
            op.execute(
                f"CREATE INDEX ix_{table}_search ON {table} USING gin ({_words_postgres(table)})"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in SEARCHED:
        if sqlite:
            search = f"{table}_search"
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {search}_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {search}")
            op.execute(f"DROP VIEW IF EXISTS {search}_source")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        op.drop_index(f"ix_{table}_browse", table_name=table)
        op.create_index(OLD_DATE_INDEX[table], table, [SEARCHED[table][0]])
