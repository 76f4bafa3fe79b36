"""The history browser's queries on SQLite and PostgreSQL: text search over the whole
history (FTS5 / GIN, kept current by the database itself as the sync writes), exact
counts, keyset pages in time order, and the indexes those queries use.

What a user would notice: a search finds every message with the word, however old (the
browser used to search only the newest 50,000), and still does after a sync adds, changes
or removes rows; the count beside the table is exact; scrolling shows each row once.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from loquent_desktop.domain.history_records import HistoryCursor, HistoryQuery
from loquent_desktop.store import Database, open_database
from loquent_desktop.store.models import Message
from loquent_desktop.store.repositories.history_counts import recount
from loquent_desktop.store.repositories.history_search import postgres_document
from tests.support.history import BASE, add_organization_by_sql, twilio_call, twilio_message

OLD_CAP = 50_000  # what the browser used to read: the newest 50,000 rows


def word_in(word: str, body: str | None) -> bool:
    return word in (w.lower() for w in re.findall(r"[^\W_]+", body or ""))


def bulk_messages(db: Database, org_id: int, count: int, body_of: Any) -> None:
    """`count` messages straight into the table (the triggers still run), one a minute
    back from BASE, then counted (`recount`); faster than the sync's upsert for tens of
    thousands of rows."""
    rows = []
    for i in range(count):
        when = BASE - timedelta(minutes=i)
        rows.append({
            "organization_id": org_id, "sid": f"SM{i:032x}", "from_number": "+16465550001",
            "to_number": "+14155550100", "body": body_of(i), "status": "received",
            "direction": "inbound", "date_sent": when, "date_created": when,
            "source": "import", "synced_at": BASE,
        })  # fmt: skip
    with db.engine.begin() as conn:
        for start in range(0, count, 10_000):
            conn.execute(insert(Message), rows[start : start + 10_000])
    with db.sessions() as session:  # rows not written by the sync: counted again
        recount(session, Message.__table__, org_id)
        session.commit()


def every_page(db: Database, org_id: int, query: HistoryQuery) -> list[Any]:
    records, after = [], None
    while True:
        page = db.messages.search(org_id, query, after)
        records += page.records
        if page.next is None:
            assert not page.truncated
            return records
        assert page.truncated and len(page.records) == query.limit
        after = page.next


def test_search_finds_every_match_beyond_the_old_cap(db: Database) -> None:
    org = db.organizations.add("Acme")
    total = OLD_CAP + 2_000

    def body(i: int) -> str:
        if i % 97 == 0:
            return f"Invoice #{i} is attached."  # "Invoice" as a word, any case
        if i % 89 == 0:
            return "Your invoices are ready"  # another word: not a match
        return "see you tomorrow"

    bulk_messages(db, org.id, total, body)
    expected = {f"SM{i:032x}" for i in range(total) if word_in("invoice", body(i))}
    assert any(int(sid[2:], 16) >= OLD_CAP for sid in expected)  # older than the old cap

    query = HistoryQuery(text="invoice", limit=100)
    assert db.messages.count_matching(org.id, query) == len(expected)
    found = every_page(db, org.id, query)
    assert [m.sid for m in found] == sorted(expected, key=lambda s: int(s[2:], 16))  # newest first
    assert db.messages.count_matching(org.id, HistoryQuery(text="INVOICES")) == len(
        [i for i in range(total) if i % 89 == 0 and i % 97]
    )
    prefix = db.messages.count_matching(org.id, HistoryQuery(text="invoice*"))
    assert prefix == len(expected) + len([i for i in range(total) if i % 89 == 0 and i % 97])
    assert db.messages.count_matching(org.id, HistoryQuery()) == total


def test_search_stays_current_as_a_sync_inserts_updates_and_removes(db: Database) -> None:
    org = db.organizations.add("Acme")
    other = db.organizations.add("Other")
    word = HistoryQuery(text="refund")
    db.messages.commit_page(org.id, [twilio_message(i, body="hello") for i in range(5)])
    db.messages.commit_page(other.id, [twilio_message(9, body="refund please")])
    assert db.messages.count_matching(org.id, word) == 0  # another organization's row

    db.messages.commit_page(org.id, [twilio_message(7, body="A refund, please")])  # insert
    db.messages.commit_page(org.id, [twilio_message(2, body="refund sent")])  # update
    db.messages.commit_page(org.id, [twilio_message(2, body="refund sent")])  # unchanged
    assert [m.sid for m in db.messages.search(org.id, word).records] == [
        twilio_message(2)["sid"], twilio_message(7)["sid"],
    ]  # fmt: skip
    db.messages.commit_page(org.id, [twilio_message(7, body="thanks")])  # the word removed
    assert db.messages.count_matching(org.id, word) == 1
    assert db.messages.count_matching(org.id, HistoryQuery(text="hello")) == 4

    db.organizations.remove(org.id)  # its rows go (ON DELETE CASCADE), and their words
    assert db.messages.count_matching(org.id, word) == 0
    assert db.messages.count_matching(other.id, word) == 1


def test_numbers_are_found_however_they_are_typed(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.messages.upsert_many(org.id, [twilio_message(i) for i in range(30)])  # from +1646555….
    sid = twilio_message(17)["sid"]
    for typed in ("+16465550017", "(646) 555-0017", "646 555 0017", "555-0017", "6465550017"):
        assert [m.sid for m in db.messages.search(org.id, HistoryQuery(text=typed)).records] == [
            sid
        ], typed
    assert db.messages.count_matching(org.id, HistoryQuery(text="646555")) == 30  # a beginning
    calls = [twilio_call(i, caller_name="ACME Dental" if i == 4 else None) for i in range(6)]
    db.calls.upsert_many(org.id, calls)
    found = db.calls.search(org.id, HistoryQuery(text="dental")).records
    assert [c.sid for c in found] == [calls[4]["sid"]]
    assert db.calls.count_matching(org.id, HistoryQuery(text="720 555 0003")) == 1


def test_counts_are_exact_with_every_filter_and_the_search(db: Database) -> None:
    org = db.organizations.add("Acme")
    statuses = ("delivered", "failed", "undelivered")
    rows = []
    for i in range(600):
        outbound = i % 3 != 0
        rows.append(twilio_message(
            i * 30, body="your invoice" if i % 4 == 0 else "hello",
            direction="outbound-api" if outbound else "inbound",
            status=statuses[i % 3] if outbound else "received",
        ))  # fmt: skip
    db.messages.upsert_many(org.id, rows)
    stored = db.messages.all_for_org(org.id)
    since = BASE - timedelta(days=5)
    cases = [
        (HistoryQuery(), lambda m: True),
        (HistoryQuery(direction="inbound"), lambda m: m.direction == "inbound"),
        (HistoryQuery(direction="outbound", status="failed"), lambda m: m.status == "failed"),
        (HistoryQuery(date_from=since), lambda m: m.date_sent >= since),
        (HistoryQuery(text="invoice"), lambda m: "invoice" in m.body),
        (
            HistoryQuery(text="invoice", direction="outbound", date_to=since),
            lambda m: "invoice" in m.body and m.direction != "inbound" and m.date_sent < since,
        ),
    ]
    for query, keep in cases:
        expected = [m.sid for m in sorted(stored, key=lambda m: (m.date_sent, m.id), reverse=True)
                    if keep(m)]  # fmt: skip
        assert expected, query
        assert db.messages.count_matching(org.id, query) == len(expected), query
        limited = HistoryQuery(**{**query.__dict__, "limit": 37})
        assert [m.sid for m in every_page(db, org.id, limited)] == expected, query
        oldest = HistoryQuery(**{**limited.__dict__, "oldest_first": True})
        assert [m.sid for m in every_page(db, org.id, oldest)] == expected[::-1], query


def test_a_common_word_pages_through_every_match_however_rows_were_stored(db: Database) -> None:
    """Common words are paged by walking the time index in batches and asking the text
    index which rows of each batch match: every match comes once, in order, also when the
    rows were stored out of time order (ids far apart in a batch), beside another
    organization's, with filters and ties in time."""
    org = db.organizations.add("Acme")
    other = db.organizations.add("Other")
    rng = random.Random(5)
    order = list(range(12_000))
    rng.shuffle(order)  # ids unrelated to time
    bodies = ("thanks for the invoice", "thanks", "see you", "invoice attached", "thanks!")

    def status(i: int) -> str:
        return "undelivered" if i % 401 == 0 else ("sent", "failed")[i % 7 == 0]

    rows = [twilio_message(i // 2 * 2, body=bodies[i % 5], status=status(i))
            | {"sid": f"SM{i:032x}"} for i in order]  # fmt: skip
    for start in range(0, len(rows), 1000):
        owner = org if start % 2000 == 0 else other
        db.messages.upsert_many(owner.id, rows[start : start + 1000])
    stored = db.messages.all_for_org(org.id)
    for query, keep in (
        (HistoryQuery(text="thanks"), lambda m: "thanks" in m.body),
        (HistoryQuery(text="invoice thanks"), lambda m: m.body == bodies[0]),
        (HistoryQuery(text="thanks", status="failed"),
         lambda m: "thanks" in m.body and m.status == "failed"),
        # A filter that makes the common word rare: one statement walks instead of batches.
        (HistoryQuery(text="thanks", status="undelivered"),
         lambda m: "thanks" in m.body and m.status == "undelivered"),
    ):  # fmt: skip
        expected = [m.sid for m in sorted(stored, key=lambda m: (m.date_sent, m.id), reverse=True)
                    if keep(m)]  # fmt: skip
        # (more than FEW_MIN in both organizations: a walk, not a read of the matches)
        assert len(expected) > 1000 or query.status, (query, len(expected))
        limited = replace(query, limit=150)
        assert [m.sid for m in every_page(db, org.id, limited)] == expected, query
        oldest = replace(limited, oldest_first=True)
        assert [m.sid for m in every_page(db, org.id, oldest)] == expected[::-1], query
        assert db.messages.count_matching(org.id, query) == len(expected), query


def test_pages_continue_after_rows_with_the_same_time(db: Database) -> None:
    """Ties in time are ordered by id, so a page never repeats or skips one."""
    org = db.organizations.add("Acme")
    same = twilio_message(0)["date_sent"]
    db.messages.upsert_many(org.id, [twilio_message(i, date_sent=same) for i in range(25)])
    records = every_page(db, org.id, HistoryQuery(limit=4))
    assert len({m.sid for m in records}) == 25 == len(records)
    last = records[-1]
    after = HistoryCursor(last.date_sent, last.id)
    assert db.messages.search(org.id, HistoryQuery(limit=4), after).records == []


def test_the_browse_queries_use_the_indexes(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.messages.upsert_many(org.id, [twilio_message(i) for i in range(50)])
    plan = db.messages.browse.explain(org.id, HistoryQuery(status="failed"))
    # A later page seeks to where the one before ended (it used to walk every row before).
    later = db.messages.browse.explain(org.id, HistoryQuery(), HistoryCursor(BASE, 10))
    searched = db.messages.browse.explain(org.id, HistoryQuery(text="invoice"))
    if db.is_sqlite:
        assert any("ix_message_browse" in line for line in plan), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan  # index order, no sort
        assert any("ix_message_browse (organization_id=? AND <expr><?)" in line
                   for line in later), later  # fmt: skip
        assert any("message_search VIRTUAL TABLE" in line for line in searched), searched
    else:  # (explain rules out sequential scans: the table is small)
        assert any("Index Scan Backward using ix_message_browse" in line for line in plan), plan
        assert not any("Sort" in line for line in plan), plan
        assert any("COALESCE(date_sent, date_created, synced_at) <=" in line
                   for line in later), later  # fmt: skip
        # A common word: the time index in order, each row's stored words checked.
        walk = db.messages.browse.explain(org.id, HistoryQuery(text="invoice"), common=True)
        assert any("Index Scan Backward using ix_message_browse" in line for line in walk), walk
        assert any("Filter: (search_document @@" in line for line in walk), walk
        assert not any("Sort" in line for line in walk), walk
        # The query's tsvector expression is the GIN index's (else no index could serve it).
        document = postgres_document("message")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            lines = conn.exec_driver_sql(
                f"EXPLAIN SELECT id FROM message WHERE {document} @@ "
                "to_tsquery('simple'::regconfig, 'invoice')"
            ).scalars()
            assert any("Bitmap Index Scan on ix_message_search" in line for line in lines)


def test_upgrading_indexes_the_messages_already_stored(db_url: str) -> None:
    """Migration 0007 backfills the search index from the rows stored before it."""
    from loquent_desktop.store.database import create_database_engine, upgrade

    engine = create_database_engine(db_url)
    try:
        upgrade(engine, "0006")
        with engine.begin() as conn:
            add_organization_by_sql(conn)
            conn.execute(
                text("INSERT INTO message (organization_id, sid, body, from_number, date_sent, "
                     "source, synced_at) VALUES (1, :sid, :body, '+16465550001', :when, "
                     "'import', :when)"),
                [{"sid": f"SM{i:032x}", "body": "old invoice" if i % 2 else "hi",
                  "when": datetime(2024, 1, 1) + timedelta(hours=i)} for i in range(10)],
            )  # fmt: skip
        upgrade(engine)
    finally:
        engine.dispose()
    db = open_database(db_url)
    try:
        assert db.messages.count_matching(1, HistoryQuery(text="invoice")) == 5
        assert db.messages.count_matching(1, HistoryQuery(text="5550001")) == 10
        newest = db.messages.search(1, HistoryQuery(limit=1)).records[0]
        assert newest.sid == f"SM{9:032x}"
    finally:
        db.dispose()
