"""Search words with the browser's direction and status filters, on SQLite answered by the
text index alone (migration 0010 adds each row's organization, direction and status to it
as facets), on PostgreSQL by the stored words: the same exact answers either way.

What a user would notice: "invoice" with "failed" counts and pages exactly the failed
messages with the word, of this organization only, however many organizations share the
database; a message whose status changes moves between the filters; a word typed in the
search box that happens to look like a facet finds only messages containing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from loquent_desktop.domain.history_records import HistoryQuery
from loquent_desktop.store import Database, open_database
from loquent_desktop.store.repositories.history_search import fts_facets
from tests.support.history import add_organization_by_sql, twilio_call, twilio_message
from tests.support.migrations import downgrade

STATUSES = ("delivered", "failed", "undelivered", "partially_delivered", "received")
DIRECTIONS = ("inbound", "outbound-api", "outbound-reply", "trunking-originating", "unknown")


def every_page(db: Database, org_id: int, query: HistoryQuery) -> list[str]:
    sids, after = [], None
    while True:
        page = db.messages.search(org_id, query, after)
        sids += [m.sid for m in page.records]
        if page.next is None:
            return sids
        after = page.next


def check(db: Database, org_id: int, query: HistoryQuery, keep: Callable[[Any], bool]) -> None:
    stored = sorted(db.messages.all_for_org(org_id), key=lambda m: (m.when, m.id), reverse=True)
    expected = [m.sid for m in stored if keep(m)][:: -1 if query.oldest_first else 1]
    assert expected, query  # each case must select something, or it proves nothing
    assert db.messages.count_matching(org_id, query) == len(expected), query
    assert every_page(db, org_id, replace(query, limit=23)) == expected, query


def messages(org: int, count: int) -> list[dict[str, Any]]:
    """Messages of two bodies across every status and direction (SIDs unique per `org`)."""
    return [
        twilio_message(
            i, sid=f"SM{org:02x}{i:030x}", body="your invoice" if i % 3 else "hello there",
            status=STATUSES[i % len(STATUSES)], direction=DIRECTIONS[(i // 5) % len(DIRECTIONS)],
        )
        for i in range(count)
    ]  # fmt: skip


def outbound(direction: str | None) -> bool:
    return (direction or "").startswith("outbound") or direction == "trunking-terminating"


def test_words_with_filters_are_exact_with_several_organizations(db: Database) -> None:
    acme, other = db.organizations.add("Acme"), db.organizations.add("Other")
    db.messages.upsert_many(acme.id, messages(acme.id, 300))
    db.messages.upsert_many(other.id, messages(other.id, 200))
    word = lambda m: "invoice" in (m.body or "")  # noqa: E731
    cases = [
        (HistoryQuery(text="invoice"), word),
        (HistoryQuery(text="invoice", status="failed"), lambda m: word(m) and m.status == "failed"),
        (
            HistoryQuery(text="invoice", status="partially_delivered"),
            lambda m: word(m) and m.status == "partially_delivered",
        ),
        (
            HistoryQuery(text="invoice", direction="inbound"),
            lambda m: word(m) and m.direction in ("inbound", "trunking-originating"),
        ),
        (
            HistoryQuery(text="invoic*", direction="outbound", status="delivered"),
            lambda m: word(m) and outbound(m.direction) and m.status == "delivered",
        ),
        (
            HistoryQuery(text="hello", direction="outbound", oldest_first=True),
            lambda m: "hello" in (m.body or "") and outbound(m.direction),
        ),
    ]
    for org in (acme, other):
        for query, keep in cases:
            check(db, org.id, query, keep)


def test_a_status_change_moves_the_message_between_filters(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.organizations.add("Other")  # (its facet is then part of every query)
    db.messages.upsert_many(org.id, [twilio_message(i, body="invoice", status="sent")
                                     for i in range(10)])  # fmt: skip
    db.messages.upsert_many(org.id, [twilio_message(i, body="invoice", status="delivered")
                                     for i in range(4)])  # fmt: skip
    sent = HistoryQuery(text="invoice", status="sent")
    assert db.messages.count_matching(org.id, sent) == 6
    assert db.messages.count_matching(org.id, replace(sent, status="delivered")) == 4
    assert len(every_page(db, org.id, replace(sent, limit=4))) == 6


def test_words_that_look_like_facets_find_only_the_messages_holding_them(db: Database) -> None:
    org = db.organizations.add("Acme")
    status_word = fts_facets(HistoryQuery(status="received"), None)[0]
    bodies = ["din dout", f"o{org.id} hello", status_word, "plain"]
    db.messages.upsert_many(
        org.id, [twilio_message(i, body=b, status="received") for i, b in enumerate(bodies)]
    )
    for word, found in (("din", 1), ("dout", 1), (f"o{org.id}", 1), (status_word, 1)):
        assert db.messages.count_matching(org.id, HistoryQuery(text=word)) == found, word
        page = db.messages.search(org.id, HistoryQuery(text=word))
        assert len(page.records) == found, word


def test_calls_filter_by_status_and_direction_with_words(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.calls.upsert_many(org.id, [
        twilio_call(i, caller_name="Jane Invoice" if i % 2 else "Bob",
                    status="no-answer" if i % 3 else "completed",
                    direction="inbound" if i % 4 else "outbound-dial")
        for i in range(40)
    ])  # fmt: skip
    calls = db.calls.all_for_org(org.id)
    query = HistoryQuery(text="invoice", status="no-answer", direction="inbound")
    expected = [c for c in calls if "Invoice" in (c.caller_name or "")
                and c.status == "no-answer" and c.direction == "inbound"]  # fmt: skip
    assert expected
    assert db.calls.count_matching(org.id, query) == len(expected)
    found = db.calls.search(org.id, replace(query, limit=100)).records
    assert sorted(c.sid for c in found) == sorted(c.sid for c in expected)


def test_upgrading_adds_the_facets_of_the_rows_already_stored(db_url: str) -> None:
    from loquent_desktop.store.database import create_database_engine, upgrade

    engine = create_database_engine(db_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as conn:
            add_organization_by_sql(conn)
            conn.execute(
                text("INSERT INTO message (organization_id, sid, body, status, direction, "
                     "date_sent, source, synced_at) VALUES (1, :sid, :body, :status, "
                     ":direction, :when, 'import', :when)"),
                [{"sid": f"SM{i:032x}", "body": "old invoice" if i % 2 else "hi",
                  "status": "failed" if i % 3 else "delivered",
                  "direction": "outbound-api" if i % 5 else "inbound",
                  "when": datetime(2024, 1, 1) + timedelta(hours=i)} for i in range(30)],
            )  # fmt: skip
        upgrade(engine)
        failed = HistoryQuery(text="invoice", status="failed", direction="outbound")
        expected = sum(1 for i in range(30) if i % 2 and i % 3 and i % 5)
        db = open_database(db_url)
        try:
            assert db.messages.count_matching(1, failed) == expected
            assert len(db.messages.search(1, failed).records) == expected
        finally:
            db.dispose()
        downgrade(engine, "0009")
        with engine.connect() as conn:  # 0009's index: words only, still complete
            match = "message_search MATCH 'invoice'" if db_url.startswith("sqlite") else None
            if match:
                found = conn.execute(text(f"SELECT count(*) FROM message_search WHERE {match}"))
                assert found.scalar() == 15
        upgrade(engine)
        db = open_database(db_url)
        try:
            assert db.messages.count_matching(1, failed) == expected
        finally:
            db.dispose()
    finally:
        engine.dispose()
