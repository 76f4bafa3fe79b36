"""What the history browser's indexes cost the sync's writer, for `bench_browser`: the search
index's share of a plain insert, and the per-day counts' upkeep (`history_counts.track_page`),
each in microseconds a stored row, measured in rolled back transactions at the bench's size.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any


def insert_cost(db: Any, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Microseconds a row for the same insert (rolled back) with and without the search
    index: its trigger on SQLite (dropped, then made again from its own SQL, because
    pysqlite commits DDL at once), on PostgreSQL its GIN index and the stored words it
    indexes (dropped inside the rolled back transaction)."""
    from sqlalchemy import insert, text

    from loquent_desktop.store.models import Message

    found: dict[str, list[float]] = {"with": [], "without": []}
    for label in ("with", "without", "with", "without", "with"):
        with db.engine.connect() as conn:
            made_again = None
            if label == "without" and db.is_sqlite:
                made_again = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'message_search_insert'"
                ).scalar()
                conn.exec_driver_sql("DROP TRIGGER message_search_insert")
                conn.commit()
            transaction = conn.begin()
            if label == "without" and not db.is_sqlite:
                conn.execute(text("DROP INDEX ix_message_search"))
                conn.execute(text("ALTER TABLE message DROP COLUMN search_document"))
            started = time.perf_counter()
            conn.execute(insert(Message), rows)
            found[label].append((time.perf_counter() - started) / len(rows) * 1e6)
            transaction.rollback()  # leaves the rows and the index as they were
            if made_again is not None:
                conn.exec_driver_sql(made_again)
                conn.commit()
    return {"with_us": min(found["with"]), "without_us": min(found["without"])}


def count_upkeep(
    db: Any, org_id: int, rows: list[dict[str, Any]], end: datetime
) -> dict[str, float]:
    """Microseconds a row that keeping `history_count` adds to the sync's write: its
    `track_page` call alone, per page of 1,000 as `upsert_rows` makes it, for new rows and
    for rows met again with a new status (rolled back)."""
    from loquent_desktop.store.models import Message
    from loquent_desktop.store.repositories.history_counts import track_page
    from loquent_desktop.store.repositories.history_sql import native_for
    from loquent_desktop.store.repositories.messages import MessageRepository

    table, columns = Message.__table__, MessageRepository.fields.columns
    when = native_for("sqlite" if db.is_sqlite else "postgresql").when
    stamp = when(end)
    pages = []
    for start in range(0, len(rows), 1000):
        page = [tuple(when(r.get(c)) if isinstance(r.get(c), datetime) else r.get(c)
                      for c in columns) for r in rows[start : start + 1000]]  # fmt: skip
        new = [(org_id, f"SM{start + i:032x}", "import", stamp, *v) for i, v in enumerate(page)]
        status = columns.index("status")
        existing = {f"SM{start + i:032x}": (start + i, f"SM{start + i:032x}", stamp, *v)
                    for i, v in enumerate(page)}  # fmt: skip
        changed = [(*v[:status], "changed", *v[status + 1 :], stamp, start + i)
                   for i, v in enumerate(page)]  # fmt: skip
        pages.append((new, existing, changed))
    found: dict[str, list[float]] = {"new": [], "changed": []}
    for _ in range(3):
        for label in found:
            with db.sessions() as session:
                started = time.perf_counter()
                for new, existing, changed in pages:
                    if label == "new":
                        track_page(session, table, org_id, new, [], {}, columns, stamp)
                    else:
                        track_page(session, table, org_id, [], changed, existing, columns, stamp)
                found[label].append((time.perf_counter() - started) / len(rows) * 1e6)
                session.rollback()
    return {"upkeep_new_us": min(found["new"]), "upkeep_changed_us": min(found["changed"])}
