"""Messages, calls, contacts and sync checkpoints in the database (SQLite and PostgreSQL).

What a user would notice: a re-sync that reports what really changed (new / updated /
unchanged), fields exactly as Twilio sent them, no duplicates, contacts whose "last
contacted" never goes back in time, a checkpoint that matches the rows after a crash, and
browse filters that show the right rows.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from loquent_desktop.domain.history_records import (
    CallRecord,
    ContactRecord,
    HistoryQuery,
    MessageRecord,
    PageCheckpoint,
    SyncOwner,
    UpsertCounts,
)
from loquent_desktop.store import Database
from loquent_desktop.store.models import is_search_object
from loquent_desktop.store.repositories.history_repository import PageWrite, PreparedPage
from loquent_desktop.store.repositories.sync_checkpoints import ALL
from tests.support.history import BASE, twilio_call, twilio_message

OWN_NUMBER = "+14155550100"
OWN = frozenset({OWN_NUMBER})


def test_records_follow_the_tables_column_order(db: Database) -> None:
    """Rows are turned into records positionally (fast for 50k rows): any drift between a
    model and its record would shift every value into the wrong field."""
    for record, table in (
        (MessageRecord, "message"),
        (CallRecord, "call"),
        (ContactRecord, "contact"),
    ):
        columns = [c["name"] for c in inspect(db.engine).get_columns(table)]
        columns = [c for c in columns if not is_search_object(c)]  # PostgreSQL's stored words
        assert [f.name for f in fields(record)] == columns


def test_message_upsert_counts_new_updated_unchanged_exactly(db: Database) -> None:
    org = db.organizations.add("Acme")
    other = db.organizations.add("Other")
    first = [twilio_message(i) for i in range(5)]
    assert db.messages.upsert_many(org.id, first) == UpsertCounts(new=5)
    # The same SIDs in another organization are other rows.
    assert db.messages.upsert_many(other.id, first[:2]) == UpsertCounts(new=2)

    again = [
        twilio_message(0),
        twilio_message(1, status="delivered"),  # changed
        twilio_message(2, price="-0.00800"),  # changed
        twilio_message(3),
        twilio_message(3),  # the same SID twice in one page: one row
        twilio_message(9),  # new
    ]
    assert db.messages.upsert_many(org.id, again) == UpsertCounts(new=1, updated=2, unchanged=2)
    assert db.messages.count(org.id) == 6
    assert db.messages.count(other.id) == 2
    # Nothing changed since: everything unchanged, nothing written twice.
    assert db.messages.upsert_many(org.id, again) == UpsertCounts(unchanged=5)
    assert db.messages.count(org.id) == 6


def test_message_fields_are_stored_as_twilio_sent_them(db: Database) -> None:
    org = db.organizations.add("Acme")
    raw = twilio_message(
        7,
        num_segments="3",
        num_media="1",
        error_code=30003,
        error_message="Unreachable destination",
        messaging_service_sid="MG" + "a" * 32,
        status="undelivered",
        direction="outbound-api",
    )
    db.messages.upsert_many(org.id, [raw])
    (stored,) = db.messages.all_for_org(org.id)
    assert stored.sid == raw["sid"]
    assert (stored.from_number, stored.to_number) == (raw["from"], raw["to"])
    assert stored.body == raw["body"]
    assert (stored.num_segments, stored.num_media, stored.error_code) == (3, 1, 30003)
    assert stored.price == "-0.00790" and stored.price_unit == "USD"
    assert stored.date_sent == BASE - timedelta(minutes=7)
    assert stored.date_sent.tzinfo is not None
    assert stored.source == "import"


def test_a_webhook_row_stays_a_webhook_row(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.messages.upsert_many(org.id, [twilio_message(1, status="sent")], source="webhook")
    db.messages.upsert_many(org.id, [twilio_message(1, status="delivered")])
    (stored,) = db.messages.all_for_org(org.id)
    assert (stored.status, stored.source) == ("delivered", "webhook")


def test_over_long_values_are_cut_rather_than_stopping_a_sync(db: Database) -> None:
    """PostgreSQL refuses a value longer than its column; one odd SIP address must not."""
    org = db.organizations.add("Acme")
    usual = "sip:reception@acme-office.sip.twilio.com;transport=tls?X-Customer-Id=" + "7" * 40
    sip = "sip:" + "x" * 300 + "@acme.sip.twilio.com"
    raw = twilio_call(1, to=sip, **{"from": usual})
    assert db.calls.upsert_many(org.id, [raw]) == UpsertCounts(new=1)
    assert db.calls.upsert_many(org.id, [raw]) == UpsertCounts(unchanged=1)
    (stored,) = db.calls.all_for_org(org.id)
    assert stored.to_number == sip[:255]  # the column's width
    assert stored.from_number == usual  # a long but ordinary SIP address is kept whole


def test_calls_store_duration_and_times(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.calls.upsert_many(org.id, [twilio_call(2), twilio_call(3, duration=None, end_time=None)])
    first, second = db.calls.all_for_org(org.id)
    assert first.duration == 62 and first.start_time == BASE - timedelta(hours=2)
    assert first.end_time == first.start_time + timedelta(seconds=62)
    assert second.duration is None and second.end_time is None


def test_a_record_met_again_in_the_same_run_is_counted_once(db: Database) -> None:
    """A message between two of the organization's numbers is in the To= and the From=
    query; a page read again after a crash comes back too. Neither may count twice."""
    org = db.organizations.add("Acme")
    db.messages.upsert_many(org.id, [twilio_message(1)])
    run_started = datetime.now(UTC)
    page = [twilio_message(1), twilio_message(2)]
    result = db.messages.commit_page(org.id, page, counted_since=run_started)
    assert result.counts == UpsertCounts(new=1, unchanged=1)
    again = db.messages.commit_page(org.id, [*page, twilio_message(3)], counted_since=run_started)
    assert again.counts == UpsertCounts(new=1, repeated=2)
    # A later run counts them normally again.
    later = db.messages.commit_page(org.id, page, counted_since=datetime.now(UTC))
    assert later.counts == UpsertCounts(unchanged=2)


def test_page_and_checkpoint_are_committed_together(db: Database) -> None:
    org = db.organizations.add("Acme")
    started = datetime.now(UTC)
    (cp,) = db.sync_checkpoints.begin_run(org.id, "messages", {ALL: None}, started)
    assert (cp.state, cp.step, cp.next_page_uri, cp.started_at) == ("running", 0, None, started)

    mark = PageCheckpoint(cp.id, 0, "/2010-04-01/Accounts/AC/Messages.json?PageToken=PA1", {})
    result = db.messages.commit_page(
        org.id, [twilio_message(i) for i in range(3)], checkpoint=mark, counted_since=started
    )
    assert result.totals is not None and result.totals["pages"] == 1
    saved = db.sync_checkpoints.get(org.id, "messages", ALL)
    assert saved is not None
    assert saved.next_page_uri == mark.next_page_uri
    assert UpsertCounts.of(saved.counts) == UpsertCounts(new=3)
    assert saved.counts is not None and saved.counts["newest"] == BASE.isoformat()

    mark = PageCheckpoint(cp.id, 1, None, saved.counts)
    db.messages.commit_page(org.id, [twilio_message(3)], checkpoint=mark, counted_since=started)
    done = db.sync_checkpoints.complete(cp.id, steps=1)
    assert (done.state, done.step, done.next_page_uri) == ("completed", 1, None)
    assert UpsertCounts.of(done.counts) == UpsertCounts(new=4)
    assert done.count("pages") == 2
    assert done.synced_through == BASE  # the newest message seen


def test_checkpoints_group_runs_and_keep_synced_through(db: Database) -> None:
    org = db.organizations.add("Acme")
    checkpoints = db.sync_checkpoints
    first = datetime(2026, 5, 1, tzinfo=UTC)
    (a,) = checkpoints.begin_run(org.id, "calls", {"+14155550100": None}, first)
    page = PageCheckpoint(a.id, 2, None, {})
    db.calls.commit_page(org.id, [twilio_call(1)], checkpoint=page)
    checkpoints.complete(a.id, steps=2)

    second = first + timedelta(days=3)
    run = checkpoints.begin_run(
        org.id, "calls", {"+14155550100": second, "+14155550101": None}, second
    )
    assert [c.scope for c in run] == ["+14155550100", "+14155550101"]
    assert all(c.state == "running" and c.step == 0 for c in run)
    # The last completed run's reach survives until this run completes.
    assert run[0].synced_through == BASE - timedelta(hours=1)
    assert run[0].since == second
    checkpoints.set_state([c.id for c in run], "interrupted")
    assert {c.scope for c in checkpoints.latest_run(org.id, "calls")} == {
        "+14155550100",
        "+14155550101",
    }
    assert all(c.state == "interrupted" for c in checkpoints.latest_run(org.id, "calls"))
    assert checkpoints.latest_run(org.id, "messages") == []


def test_an_only_since_run_moves_synced_through_only_when_it_joins_up(db: Database) -> None:
    org = db.organizations.add("Acme")
    checkpoints, owner = db.sync_checkpoints, SyncOwner("AC" + "1" * 32, True)

    def sync(since: datetime | None, newest: int) -> datetime | None:
        (cp,) = checkpoints.begin_run(org.id, "messages", {ALL: since}, datetime.now(UTC), owner)
        mark = PageCheckpoint(cp.id, 1, None, {})
        db.messages.commit_page(org.id, [twilio_message(newest)], checkpoint=mark)
        return checkpoints.complete(cp.id, steps=1).synced_through

    first = sync(None, 60 * 24 * 10)  # ten days before BASE
    assert first == BASE - timedelta(days=10)
    assert sync(BASE - timedelta(days=2), 0) == first  # eight days unread in between
    assert sync(BASE - timedelta(days=11), 60 * 24) == BASE - timedelta(days=1)  # joins up
    assert sync(None, 0) == BASE
    # Another account's reach is no starting point: it is dropped when a run begins.
    (cp,) = checkpoints.begin_run(
        org.id, "messages", {ALL: None}, datetime.now(UTC), SyncOwner("AC" + "2" * 32, True)
    )
    assert cp.synced_through is None and cp.owner == SyncOwner("AC" + "2" * 32, True)


def test_contacts_last_contacted_only_moves_forward(db: Database) -> None:
    org = db.organizations.add("Acme")
    newer = twilio_message(1, **{"from": "+16465550001"})  # inbound: the sender
    older = twilio_message(500, **{"from": "+16465550001"})
    outbound = twilio_message(
        2, **{"from": "+14155550100", "to": "+17205550002", "direction": "outbound-api"}
    )
    internal = twilio_message(
        3, **{"from": "+14155550100", "to": "+14155550100", "direction": "outbound-api"}
    )
    db.messages.commit_page(org.id, [newer, outbound, internal], own_numbers=OWN)
    db.messages.commit_page(org.id, [older], own_numbers=OWN)  # an older page synced later
    db.calls.commit_page(
        org.id, [twilio_call(400, to="+16465550001")], own_numbers=OWN
    )  # a call long before
    contacts = {c.phone_number: c.last_contacted_at for c in db.contacts.list_for_org(org.id)}
    assert contacts == {
        "+16465550001": BASE - timedelta(minutes=1),
        "+17205550002": BASE - timedelta(minutes=2),
    }
    # A newer call moves it forward.
    db.calls.commit_page(org.id, [twilio_call(-2, to="+16465550001")], own_numbers=OWN)
    latest = db.contacts.get(org.id, "+16465550001")
    assert latest is not None and latest.last_contacted_at == BASE + timedelta(hours=2)
    # And a direct touch with an older time does not move it back.
    db.contacts.touch(org.id, {"+16465550001": BASE - timedelta(days=30)})
    latest = db.contacts.get(org.id, "+16465550001")
    assert latest is not None and latest.last_contacted_at == BASE + timedelta(hours=2)


def test_contacts_of_trunk_calls_and_not_of_forwarded_legs(db: Database) -> None:
    org = db.organizations.add("Acme")
    caller, callee, staff = "+16465550001", "+17205550002", "+15035550003"
    parent = twilio_call(1, direction="trunking-originating", **{"from": caller, "to": OWN_NUMBER})
    leg = twilio_call(  # the <Dial> leg forwarding a call to a staff phone, with caller ID
        2, direction="outbound-dial", parent_call_sid=parent["sid"], to=staff,
        **{"from": caller},
    )  # fmt: skip
    out = twilio_call(3, direction="trunking-terminating", to=callee)
    db.calls.commit_page(org.id, [parent, leg, out], own_numbers=OWN)
    contacts = {c.phone_number: c.last_contacted_at for c in db.contacts.list_for_org(org.id)}
    assert contacts == {caller: BASE - timedelta(hours=1), callee: BASE - timedelta(hours=3)}
    # Browsing: a trunk call is inbound or outbound like any other.
    inbound = db.calls.search(org.id, HistoryQuery(direction="inbound")).records
    outbound = db.calls.search(org.id, HistoryQuery(direction="outbound")).records
    assert [c.sid for c in inbound] == [parent["sid"]]
    assert [c.sid for c in outbound] == [leg["sid"], out["sid"]]


def test_the_number_on_the_organizations_side_is_never_a_contact(db: Database) -> None:
    """A BYO account's numbers need not be imported: the number a record was sent from
    (outbound) or to (inbound) is the organization's, on this page or a later one."""
    org = db.organizations.add("Acme")
    mine, other_own, outside = "+14155550100", "+14155550111", "+16465550001"
    to_other_own = twilio_message(
        1, direction="outbound-api", **{"from": mine, "to": other_own}
    )  # other_own looks like a contact on this page...
    from_outside = twilio_message(2, **{"from": outside, "to": mine})
    first = db.messages.commit_page(org.id, [to_other_own, from_outside], learn_own=True)
    assert first.ours == {mine}
    assert {c.phone_number for c in db.contacts.list_for_org(org.id)} == {other_own, outside}
    # ...until a later page shows a message received on it.
    received = twilio_message(3, **{"from": outside, "to": other_own})
    later = db.messages.commit_page(org.id, [received], own_numbers=first.ours, learn_own=True)
    assert later.ours == {other_own}
    assert {c.phone_number for c in db.contacts.list_for_org(org.id)} == {outside}
    # Without learning (a Shared account holds other customers' numbers) nothing is dropped.
    db.messages.commit_page(org.id, [to_other_own], own_numbers=OWN)
    assert {c.phone_number for c in db.contacts.list_for_org(org.id)} == {outside, other_own}


def test_records_before_a_bound_are_left_out(db: Database) -> None:
    org = db.organizations.add("Acme")
    page = [twilio_message(i) for i in range(10)]  # one a minute back from BASE
    result = db.messages.commit_page(org.id, page, not_before=BASE - timedelta(minutes=4))
    assert result.counts == UpsertCounts(new=5)
    assert {m.sid for m in db.messages.all_for_org(org.id)} == {r["sid"] for r in page[:5]}


def test_search_filters_by_date_direction_status_newest_first(db: Database) -> None:
    org = db.organizations.add("Acme")
    rows = [
        twilio_message(1, direction="outbound-api", status="delivered"),
        twilio_message(2),
        twilio_message(3, direction="outbound-reply", status="failed"),
        twilio_message(60 * 24 * 3),  # three days older
    ]
    db.messages.upsert_many(org.id, rows)
    everything = db.messages.search(org.id, HistoryQuery())
    assert [m.sid for m in everything.records] == [r["sid"] for r in rows]
    assert not everything.truncated

    outbound = db.messages.search(org.id, HistoryQuery(direction="outbound"))
    assert [m.sid for m in outbound.records] == [rows[0]["sid"], rows[2]["sid"]]
    inbound = db.messages.search(org.id, HistoryQuery(direction="inbound"))
    assert [m.sid for m in inbound.records] == [rows[1]["sid"], rows[3]["sid"]]
    failed = db.messages.search(org.id, HistoryQuery(status="failed"))
    assert [m.sid for m in failed.records] == [rows[2]["sid"]]
    recent = db.messages.search(org.id, HistoryQuery(date_from=BASE - timedelta(days=1)))
    assert len(recent.records) == 3
    old = db.messages.search(org.id, HistoryQuery(date_to=BASE - timedelta(days=1)))
    assert [m.sid for m in old.records] == [rows[3]["sid"]]
    capped = db.messages.search(org.id, HistoryQuery(limit=2))
    assert len(capped.records) == 2 and capped.truncated
    assert db.messages.statuses(org.id) == ["delivered", "failed", "received"]


@pytest.mark.parametrize("count", [12_000])
def test_bulk_upsert_of_many_pages_stays_exact(db: Database, count: int) -> None:
    org = db.organizations.add("Acme")
    rows = [twilio_message(i) for i in range(count)]
    total = UpsertCounts()
    for start in range(0, count, 1000):
        total = total + db.messages.upsert_many(org.id, rows[start : start + 1000])
    assert total == UpsertCounts(new=count)
    rows[5] = twilio_message(5, status="delivered")
    total = UpsertCounts()
    for start in range(0, count, 1000):
        total = total + db.messages.upsert_many(org.id, rows[start : start + 1000])
    assert total == UpsertCounts(updated=1, unchanged=count - 1)
    assert db.messages.count(org.id) == count


def test_pages_written_together_build_on_each_other_as_if_one_by_one(db: Database) -> None:
    """A sync writes the pages its readers have ready in one transaction: each page's
    totals build on the page before, and a number learned as the organization's own on
    one page is not made a contact on the next."""
    org = db.organizations.add("Acme")
    started = datetime.now(UTC)
    (cp,) = db.sync_checkpoints.begin_run(org.id, "messages", {ALL: None}, started)
    mine, other_own, outside = "+14155550100", "+14155550111", "+16465550001"
    pages = [
        [twilio_message(1, direction="outbound-api", **{"from": mine, "to": other_own})],
        [twilio_message(2, **{"from": outside, "to": other_own}), twilio_message(3)],
        [twilio_message(3), twilio_message(4, **{"from": outside, "to": mine})],
    ]
    prepared = [db.messages.prepare_page(org.id, p, learn_own=True) for p in pages]
    writes = [
        PageWrite(page, PageCheckpoint(cp.id, 0, f"/next/{i}", {}))
        for i, page in enumerate(prepared)
    ]
    results = db.messages.write_pages(org.id, writes, counted_since=started)
    assert [r.counts for r in results] == [
        UpsertCounts(new=1),
        UpsertCounts(new=2),
        UpsertCounts(new=1, repeated=1),
    ]
    assert [r.totals and r.totals["pages"] for r in results] == [1, 2, 3]
    saved = db.sync_checkpoints.get(org.id, "messages", ALL)
    assert saved is not None and saved.next_page_uri == "/next/2"
    assert UpsertCounts.of(saved.counts) == UpsertCounts(new=4, repeated=1)
    # other_own looked like a contact on page 1; page 2 showed a message received on it.
    contacts = {c.phone_number for c in db.contacts.list_for_org(org.id)}
    assert other_own not in contacts and outside in contacts


def test_a_failed_page_rolls_back_the_pages_written_with_it(db: Database) -> None:
    org = db.organizations.add("Acme")
    good = db.messages.prepare_page(org.id, [twilio_message(1)])
    bad = PreparedPage(good.columns, {"SMbad": good.rows["SM" + f"{1:032x}"][:-1]},
                       frozenset(), {}, None, None)  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017  (the driver's own error type)
        db.messages.write_pages(org.id, [PageWrite(good), PageWrite(bad)])
    assert db.messages.count(org.id) == 0
