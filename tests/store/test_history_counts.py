"""Exact history counts from `history_count` (migration 0009) on SQLite and PostgreSQL: the
browser's count beside the table stays exactly what a scan of the rows gives as a sync adds
rows, changes their status, direction or date, and an organization is removed; date filters
at any time of day (the user's local midnights) count their partial days too; the sums use
the table's primary key and the partial days the browse index.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text

from loquent_desktop.domain.contacts import side_of
from loquent_desktop.domain.history_records import HistoryQuery
from loquent_desktop.store import Database, open_database
from loquent_desktop.store.repositories.history_counts import DaySplit, explain, split_days
from tests.support.history import BASE, add_organization_by_sql, twilio_call, twilio_message
from tests.support.migrations import downgrade

STATUSES = ("delivered", "failed", "sent", "received", "undelivered")
DIRECTIONS = ("outbound-api", "outbound-reply", "inbound", "outbound-api", "inbound")


def spread(i: int, **overrides: Any) -> dict[str, Any]:
    """A message every 7 hours back from BASE, with a mix of statuses and directions."""
    when = (BASE - timedelta(hours=7 * i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    values = {"status": STATUSES[i % 5], "direction": DIRECTIONS[(i // 5) % 5],
              "date_sent": when, "date_created": when}  # fmt: skip
    return twilio_message(i, **{**values, **overrides})


def scanned(db: Database, org_id: int, query: HistoryQuery) -> int:
    """The count by looking at every row, as the browser's filters mean it."""
    found = 0
    for m in db.messages.all_for_org(org_id):
        when = m.date_sent or m.date_created or m.synced_at
        if query.date_from is not None and when < query.date_from:
            continue
        if query.date_to is not None and when >= query.date_to:
            continue
        if query.direction and side_of(m.direction) != query.direction:
            continue
        if query.status and m.status != query.status:
            continue
        found += 1
    return found


def local_midnight(day: date, hours: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), timezone(timedelta(hours=hours)))


def queries() -> list[HistoryQuery]:
    day = BASE.date() - timedelta(days=3)
    found = [HistoryQuery(), HistoryQuery(direction="inbound"), HistoryQuery(status="failed"),
             HistoryQuery(direction="outbound", status="failed")]  # fmt: skip
    for hours in (0, -5, 9):  # UTC, New York, Tokyo midnights
        for first, last in ((0, 1), (0, 4), (2, 2), (-30, 60)):
            found.append(HistoryQuery(
                date_from=local_midnight(day - timedelta(days=first), hours),
                date_to=local_midnight(day + timedelta(days=last), hours),
                direction="outbound" if first == 0 else None,
            ))  # fmt: skip
    found.append(HistoryQuery(date_from=BASE - timedelta(hours=30, minutes=7)))
    found.append(HistoryQuery(date_to=BASE - timedelta(hours=50, minutes=1), status="sent"))
    return found


def assert_exact(db: Database, org_id: int) -> None:
    for query in queries():
        assert db.messages.count_matching(org_id, query) == scanned(db, org_id, query), query


def test_counts_stay_exact_as_the_sync_adds_and_changes_rows(db: Database) -> None:
    org = db.organizations.add("Acme")
    other = db.organizations.add("Other")
    db.messages.upsert_many(org.id, [spread(i) for i in range(60)])
    db.messages.upsert_many(other.id, [spread(i) for i in range(0, 60, 2)])
    db.messages.upsert_many(org.id, [spread(i) for i in range(50, 90)])  # half new, half same
    assert db.messages.count(org.id) == 90
    assert_exact(db, org.id)
    assert_exact(db, other.id)

    # A later sync sees statuses move on, a direction corrected, a date changed.
    later = [spread(i, status="delivered") for i in range(0, 90, 3)]
    later += [spread(i, direction="inbound", status="received") for i in range(1, 90, 7)]
    moved = (BASE - timedelta(days=40)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    later += [spread(i, date_sent=moved) for i in (2, 5, 8)]
    db.messages.upsert_many(org.id, later)
    assert_exact(db, org.id)
    assert_exact(db, other.id)
    assert db.messages.count_matching(org.id, HistoryQuery(status="failed")) == 0 + sum(
        1 for i in range(90) if STATUSES[i % 5] == "failed" and i % 3 and (i - 1) % 7
    )
    # A webhook writes through the same path.
    db.messages.upsert_many(org.id, [spread(200, status="queued")], source="webhook")
    assert_exact(db, org.id)
    assert "queued" in db.messages.statuses(org.id)


def test_statuses_come_and_go_with_their_rows(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.messages.upsert_many(org.id, [spread(1, status="sent"), spread(2, status="received")])
    assert db.messages.statuses(org.id) == ["received", "sent"]
    db.messages.upsert_many(org.id, [spread(1, status="delivered")])
    assert db.messages.statuses(org.id) == ["delivered", "received"]


def test_rows_without_dates_count_by_when_they_were_synced(db: Database) -> None:
    """A row with neither date is browsed (and counted) by its `synced_at`, which every
    sync that sees it moves, to another day as like as not."""
    org = db.organizations.add("Acme")
    undated = spread(1, date_sent=None, date_created=None)
    db.messages.upsert_many(org.id, [undated, spread(2)])
    today = HistoryQuery(date_from=datetime.now(UTC) - timedelta(hours=1))
    assert db.messages.count_matching(org.id, today) == 1
    with db.engine.begin() as conn:  # as if it had been synced four days ago
        earlier = (  # SQLite: the same text form, microseconds kept
            "substr(datetime(synced_at, '-4 days'), 1, 19) || substr(synced_at, 20)"
            if db.is_sqlite
            else "synced_at - interval '4 days'"
        )
        conn.execute(text(f"UPDATE message SET synced_at = {earlier}"))
        now = datetime.now(UTC).date()
        conn.execute(
            text("UPDATE history_count SET day = :day WHERE day = :today"),
            {"day": now - timedelta(days=4), "today": now},
        )
    assert db.messages.count_matching(org.id, today) == 0
    db.messages.upsert_many(org.id, [undated])  # unchanged: only synced_at moves
    assert db.messages.count_matching(org.id, today) == 1
    assert db.messages.count_matching(org.id, HistoryQuery()) == 2
    assert_exact(db, org.id)


def test_removing_an_organization_removes_its_counts(db: Database) -> None:
    org = db.organizations.add("Acme")
    kept = db.organizations.add("Kept")
    db.messages.upsert_many(org.id, [spread(i) for i in range(10)])
    db.messages.upsert_many(kept.id, [spread(i) for i in range(4)])
    db.calls.upsert_many(org.id, [twilio_call(i) for i in range(3)])
    assert db.calls.count_matching(org.id, HistoryQuery()) == 3
    db.organizations.remove(org.id)
    with db.engine.connect() as conn:
        left = conn.execute(text("SELECT organization_id, sum(total) FROM history_count "
                                 "GROUP BY organization_id")).all()  # fmt: skip
    assert [tuple(row) for row in left] == [(kept.id, 4)]


def test_calls_are_counted_by_their_start_time(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.calls.upsert_many(org.id, [twilio_call(i) for i in range(48)])  # one an hour
    since = BASE - timedelta(hours=20, minutes=30)
    assert db.calls.count_matching(org.id, HistoryQuery(date_from=since)) == 21
    assert db.calls.count_matching(org.id, HistoryQuery(direction="inbound")) == 0
    assert db.calls.count_matching(org.id, HistoryQuery(direction="outbound")) == 48


def test_a_date_filter_splits_into_whole_utc_days_and_partial_edges() -> None:
    utc = datetime(2026, 3, 1, tzinfo=UTC)
    assert split_days(None, None) == DaySplit(True, None, None, ())
    assert split_days(utc, utc + timedelta(days=2)) == DaySplit(
        True, date(2026, 3, 1), date(2026, 3, 3), ()
    )
    new_york = local_midnight(date(2026, 3, 1), -5)  # 05:00 UTC
    later = new_york + timedelta(days=2)
    edges = ((new_york, utc + timedelta(days=1)), (utc + timedelta(days=2), later))
    assert split_days(new_york, later) == DaySplit(True, date(2026, 3, 2), date(2026, 3, 3), edges)
    # Less than a whole day: the rows themselves.
    assert split_days(new_york, new_york + timedelta(days=1)) == DaySplit(
        False, None, None, ((new_york, new_york + timedelta(days=1)),)
    )
    assert split_days(utc, utc) is None
    assert split_days(None, new_york) == DaySplit(True, None, date(2026, 3, 1), ((utc, new_york),))


def test_counts_use_the_count_key_and_the_browse_index(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.messages.upsert_many(org.id, [spread(i) for i in range(50)])
    query = HistoryQuery(direction="outbound", status="failed",
                         date_from=local_midnight(BASE.date() - timedelta(days=5), -5))  # fmt: skip
    with db.sessions() as session:
        plan, statuses = explain(session, org.id, "message", query)
    edges = db.messages.browse.explain_count(org.id, query)
    if db.is_sqlite:
        for lines in (plan, statuses):  # a range of the key (organization, kind, day…)
            assert any("autoindex_history_count_1 (organization_id=? AND kind=?" in line
                       for line in lines), lines  # fmt: skip
        # Its range of the index (a partial day's rows), not a scan of the organization.
        assert any("INDEX ix_message_browse (organization_id=? AND <expr>>? AND <expr><?)"
                   in line for line in edges), edges  # fmt: skip
    else:
        for lines in (plan, statuses):
            assert any("pk_history_count" in line for line in lines), lines
        assert any("ix_message_browse" in line for line in edges), edges


def test_upgrading_counts_the_rows_already_stored_and_downgrading_drops_them(
    db_url: str,
) -> None:
    from loquent_desktop.store.database import create_database_engine, upgrade

    engine = create_database_engine(db_url)
    try:
        upgrade(engine, "0008")
        with engine.begin() as conn:
            add_organization_by_sql(conn)
            conn.execute(
                text("INSERT INTO message (organization_id, sid, status, direction, date_sent, "
                     "source, synced_at) VALUES (1, :sid, :status, 'inbound', :when, 'import', "
                     ":when)"),
                [{"sid": f"SM{i:032x}", "status": "received" if i % 3 else None,
                  "when": datetime(2024, 1, 1) + timedelta(hours=5 * i)} for i in range(30)],
            )  # fmt: skip
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT sum(total) FROM history_count")).scalar() == 30
        db = open_database(db_url)
        try:
            day = datetime(2024, 1, 2, tzinfo=UTC)
            assert db.messages.count_matching(1, HistoryQuery(date_from=day)) == 25
            assert db.messages.count_matching(1, HistoryQuery(status="received")) == 20
            assert db.messages.statuses(1) == ["received"]
        finally:
            db.dispose()
        downgrade(engine, "0008")
        with engine.connect() as conn:
            tables = conn.dialect.get_table_names(conn)
            assert "history_count" not in tables and "message" in tables
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT sum(total) FROM history_count")).scalar() == 30
    finally:
        engine.dispose()
