"""Messages and Calls history through the real twilio library: filters, day boundaries,
paging while traffic arrives, fetch, account isolation and the seeded demo history.

Every response is spec-checked by the ``SandboxHttpClient`` (or ``Sandbox.raw``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from loquent_desktop.sandbox import SandboxState, seed_demo, start_emulator
from loquent_desktop.sandbox.traffic import add_call, add_message

from .conftest import Sandbox

SEED_MESSAGES, SEED_CALLS = 300, 150


def _start(**history: int) -> Sandbox:
    running = start_emulator(numbers=25, recordings=5, seed=3, **history)
    return Sandbox(running.server, running.seed)


@pytest.fixture(scope="module")
def history() -> Iterator[Sandbox]:
    """The default demo history, only read by the tests that use it."""
    sb = _start(messages=SEED_MESSAGES, calls=SEED_CALLS)
    yield sb
    sb.server.stop_thread()


@pytest.fixture
def live() -> Iterator[Sandbox]:
    """A small history that tests may add traffic to."""
    sb = _start(messages=120, calls=60)
    yield sb
    sb.server.stop_thread()


def _own(sb: Sandbox, table: str) -> list:
    with sb.state.lock:
        records = getattr(sb.state, table).values()
        return [r for r in records if r.account_sid == sb.info.account_sid]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# -- messages --------------------------------------------------------------------------------


def test_all_messages_newest_first_with_full_fields(history):
    listed = history.client().messages.list(page_size=1000)
    assert len(listed) == SEED_MESSAGES == history.info.message_count
    assert {m.sid for m in listed} == {m.sid for m in _own(history, "messages")}
    stamps = [m.date_sent for m in listed]
    assert stamps == sorted(stamps, reverse=True)
    assert all(m.account_sid == history.info.account_sid for m in listed)
    failed = [m for m in listed if m.status in ("failed", "undelivered")]
    assert failed and all(m.error_code and m.error_message for m in failed)
    assert all(m.price is None for m in listed if m.status == "failed")
    assert all(m.price.startswith("-") for m in listed if m.status == "delivered")
    assert {m.direction for m in listed} >= {"inbound", "outbound-api", "outbound-reply"}


def test_message_to_and_from_filters(history):
    client = history.client()
    ours = _own(history, "messages")
    busiest = max({m.to for m in ours}, key=lambda n: sum(m.to == n for m in ours))
    to = client.messages.list(to=busiest, page_size=1000)
    assert len(to) == sum(m.to == busiest for m in ours) > 5
    assert all(m.to == busiest for m in to)
    # Filters survive in the next-page links.
    assert [m.sid for m in client.messages.stream(to=busiest, page_size=2)] == [m.sid for m in to]
    sender = next(m.from_ for m in ours if m.direction == "outbound-api")
    sent = client.messages.list(from_=sender, page_size=1000)
    assert len(sent) == sum(m.from_ == sender for m in ours)
    assert {m.from_ for m in sent} == {sender}
    both = client.messages.list(to=busiest, from_=sender)
    assert all(m.to == busiest and m.from_ == sender for m in both)
    assert client.messages.list(to="+15005550000") == []


def test_date_sent_filters_are_whole_days_inclusive(live):
    day = date(2026, 3, 10)
    start = _midnight(day)
    account, client = live.info.account_sid, live.client()
    edges = {
        "before": add_message(live.state, account, "+16465550101", "+14155550100",
                              sent=start - timedelta(seconds=1)).sid,
        "first": add_message(live.state, account, "+16465550101", "+14155550100",
                             sent=start).sid,
        "last": add_message(live.state, account, "+16465550101", "+14155550100",
                            sent=start + timedelta(days=1, seconds=-1)).sid,
        "after": add_message(live.state, account, "+16465550101", "+14155550100",
                             sent=start + timedelta(days=1)).sid,
    }  # fmt: skip
    ours = _own(live, "messages")

    def sids(**filters):
        return {m.sid for m in client.messages.list(page_size=1000, **filters)}

    on_day = sids(date_sent=start)
    assert {edges["first"], edges["last"]} <= on_day
    assert not {edges["before"], edges["after"]} & on_day
    assert on_day == {m.sid for m in ours if m.date_sent.date() == day}
    # date_sent_after is sent as "DateSent>=2026-03-10T15:30:00Z": the time is ignored.
    live.server.clear_log()
    after = sids(date_sent_after=start + timedelta(hours=15, minutes=30))
    assert (
        live.server.requests("GET", "Messages.json")[0].query["DateSent>"].startswith("2026-03-10T")
    )
    assert edges["first"] in after and edges["before"] not in after
    assert after == {m.sid for m in ours if m.date_sent >= start}
    before = sids(date_sent_before=start)  # on and before that day
    assert edges["last"] in before and edges["after"] not in before
    assert before == {m.sid for m in ours if m.date_sent < start + timedelta(days=1)}
    assert sids(date_sent_after=start, date_sent_before=start) == on_day
    paged = client.messages.stream(date_sent_after=start, page_size=7)
    assert {m.sid for m in paged} == after


def test_bad_date_is_400(history):
    resp = history.raw("GET", f"{history.acct}/Messages.json?DateSent%3E=yesterday")
    assert (resp.status_code, resp.json()["code"]) == (400, 21200)


def test_paging_with_page_size_matches_one_big_page(history):
    client = history.client()
    whole = [m.sid for m in client.messages.list(page_size=1000)]
    history.server.clear_log()
    paged = [m.sid for m in client.messages.stream(page_size=40)]
    assert paged == whole
    pages = history.server.requests("GET", "Messages.json")
    assert len(pages) == -(-SEED_MESSAGES // 40)
    assert all(r.query["PageToken"].startswith("PASM") or r.query["PageToken"].startswith("PAMM")
               for r in pages[1:])  # fmt: skip


def test_paging_is_stable_while_new_messages_arrive(live):
    client = live.client()
    before = [m.sid for m in client.messages.list(page_size=1000)]
    first = client.messages.page(page_size=25)
    news = [add_message(live.state, live.info.account_sid, "+16465550199", "+14155550100")
            for _ in range(3)]  # fmt: skip
    second = first.next_page()
    assert [m.sid for m in [*first, *second]] == before[:50]
    third = second.next_page()
    assert [m.sid for m in third] == before[50:75]
    # A fresh listing shows the new messages first.
    assert [m.sid for m in client.messages.list(limit=3)] == [m.sid for m in reversed(news)]


@pytest.mark.parametrize(
    ("resource", "query"),
    [("Messages", ""), ("Calls", "&Status=completed"), ("Calls", "&EndTime%3E=2026-01-01")],
)
def test_next_and_previous_page_links(history, resource, query):
    key = resource.lower()
    first = history.raw("GET", f"{history.acct}/{resource}.json?PageSize=7{query}").json()
    second = history.raw("GET", first["next_page_uri"]).json()
    third = history.raw("GET", second["next_page_uri"]).json()
    assert (second["page"], second["start"], third["start"]) == (1, 7, 14)
    back = history.raw("GET", third["previous_page_uri"]).json()
    assert [r["sid"] for r in back[key]] == [r["sid"] for r in second[key]]
    assert first["previous_page_uri"] is None
    whole = history.raw("GET", f"{history.acct}/{resource}.json?PageSize=21{query}").json()
    rows = [*first[key], *second[key], *third[key]]
    assert [r["sid"] for r in rows] == [r["sid"] for r in whole[key]]


def test_page_size_over_1000_is_20007(history):
    resp = history.raw("GET", f"{history.acct}/Messages.json?PageSize=1001")
    assert (resp.status_code, resp.json()["code"]) == (400, 20007)
    with pytest.raises(TwilioException) as err:
        history.client().calls.list(page_size=5000)
    assert err.value.args[1].status_code == 400
    bad_token = history.raw("GET", f"{history.acct}/Calls.json?PageToken=PACA{'0' * 32}")
    assert (bad_token.status_code, bad_token.json()["code"]) == (400, 20007)


def test_fetch_message_and_404(history):
    client = history.client()
    listed = client.messages.list(limit=5)
    fetched = client.messages(listed[2].sid).fetch()
    assert (fetched.sid, fetched.body, fetched.date_sent) == (
        listed[2].sid, listed[2].body, listed[2].date_sent,
    )  # fmt: skip
    mms = next(m for m in _own(history, "messages") if m.sid.startswith("MM"))
    assert client.messages(mms.sid).fetch().num_media == "1"
    for sid in ("SM" + "0" * 32, "not-a-sid"):
        with pytest.raises(TwilioRestException) as err:
            client.messages(sid).fetch()
        assert (err.value.status, err.value.code) == (404, 20404)


def test_other_accounts_history_is_invisible(history):
    info = history.info
    with history.state.lock:
        theirs = [m for m in history.state.messages.values()
                  if m.account_sid == info.shared_account_sid]  # fmt: skip
    assert theirs, "the shared account has some traffic of its own"
    mine = {m.sid for m in history.key_client().messages.list(page_size=1000)}
    assert len(mine) == SEED_MESSAGES and not mine & {m.sid for m in theirs}
    with pytest.raises(TwilioRestException) as err:
        history.client().messages(theirs[0].sid).fetch()
    assert err.value.status == 404
    shared = f"/2010-04-01/Accounts/{info.shared_account_sid}"
    resp = history.raw("GET", f"{shared}/Messages.json")
    assert (resp.status_code, resp.json()["code"]) == (401, 20003)
    own = history.raw("GET", f"{shared}/Calls.json",
                      auth=(info.shared_account_sid, info.shared_auth_token))  # fmt: skip
    assert len(own.json()["calls"]) == SEED_CALLS // 20


def test_list_follows_records_stored_or_removed_directly(live):
    """Other emulator code (and tests/support) writes the tables directly, without a hook."""
    client = live.client()
    gone = client.messages.list(limit=10)[4].sid
    with live.state.lock:
        del live.state.messages[gone]
    extra = add_message(live.state, live.info.account_sid, "+16465550111", "+14155550100")
    listed = [m.sid for m in client.messages.list(page_size=1000)]
    assert len(listed) == 120 and gone not in listed and listed[0] == extra.sid


# -- calls -----------------------------------------------------------------------------------


def test_all_calls_newest_first_with_full_fields(history):
    listed = history.client().calls.list(page_size=1000)
    assert len(listed) == SEED_CALLS == history.info.call_count
    starts = [c.start_time for c in listed]
    assert starts == sorted(starts, reverse=True)
    assert {c.status for c in listed} >= {"completed", "busy", "no-answer"}
    assert {c.direction for c in listed} == {
        "inbound", "outbound-api", "outbound-dial", "trunking-originating", "trunking-terminating"
    }  # fmt: skip
    for call in listed:
        assert (int(call.duration) > 0) == (call.status == "completed")
        assert (call.price is not None) == (call.status == "completed")
        assert call.end_time >= call.start_time
    sample = next(c for c in listed if c.to.startswith("+1"))
    digits = sample.to[2:]
    assert sample.to_formatted == f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def test_call_filters(history):
    client = history.client()
    ours = _own(history, "calls")
    for status in ("completed", "busy", "no-answer"):
        found = client.calls.list(status=status, page_size=1000)
        assert len(found) == sum(c.status == status for c in ours) > 0
        assert {c.status for c in found} == {status}
    number = ours[0].to
    to = client.calls.list(to=number, status="completed")
    assert {c.sid for c in to} == {c.sid for c in ours if c.to == number
                                   and c.status == "completed"}  # fmt: skip
    caller = ours[0].from_
    assert {c.sid for c in client.calls.list(from_=caller)} == {
        c.sid for c in ours if c.from_ == caller
    }
    resp = history.raw("GET", f"{history.acct}/Calls.json?Status=done")
    assert (resp.status_code, resp.json()["code"]) == (400, 21200)


def test_child_legs_by_parent_call_sid(history):
    client = history.client()
    child = next(c for c in _own(history, "calls") if c.parent_call_sid)
    legs = client.calls.list(parent_call_sid=child.parent_call_sid)
    assert [c.sid for c in legs] == [child.sid]
    assert legs[0].direction == "outbound-dial"
    parent = client.calls(child.parent_call_sid).fetch()
    assert (parent.direction, parent.parent_call_sid) == ("inbound", None)
    with pytest.raises(TwilioRestException) as err:
        client.calls("CA" + "f" * 32).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_start_and_end_time_day_filters(live):
    day = date(2026, 2, 20)
    start = _midnight(day)
    account, client = live.info.account_sid, live.client()
    late = add_call(live.state, account, "+16465550123", "+14155550100",
                    start=start - timedelta(seconds=90), duration=120)  # fmt: skip
    early = add_call(live.state, account, "+16465550123", "+14155550100", start=start)
    ours = _own(live, "calls")

    def sids(**filters):
        return {c.sid for c in client.calls.list(page_size=1000, **filters)}

    on_day = sids(start_time=start)
    assert early.sid in on_day and late.sid not in on_day
    assert on_day == {c.sid for c in ours if c.start_time.date() == day}
    after = sids(start_time_after=start)  # on or after the day
    assert early.sid in after and late.sid not in after
    before = sids(start_time_before=start)  # strictly before the day, as the spec says
    assert late.sid in before and early.sid not in before
    assert before | after == {c.sid for c in ours}
    # The call that started the evening before ended on the day.
    ended = sids(end_time=start)
    assert late.sid in ended
    assert ended == {c.sid for c in ours if c.end_time.date() == day}
    assert late.sid in sids(end_time_after=start) and late.sid not in sids(end_time_before=start)


def test_new_call_is_listed_first(live):
    call = add_call(live.state, live.info.account_sid, "+16465550177", "+14155550100",
                    status="no-answer")  # fmt: skip
    first = live.client().calls.list(limit=1)[0]
    assert (first.sid, first.status, first.duration) == (call.sid, "no-answer", "0")


# -- the seeded history ----------------------------------------------------------------------


def test_seeded_history_is_realistic_and_deterministic():
    state, again = SandboxState(), SandboxState()
    info = seed_demo(state, messages=500, calls=200, seed=9)
    seed_demo(again, messages=500, calls=200, seed=9)
    assert list(state.messages) == list(again.messages)
    assert list(state.calls) == list(again.calls)
    mine = [m for m in state.messages.values() if m.account_sid == info.account_sid]
    assert len(mine) == 500
    days = {m.date_sent.date() for m in mine}
    assert max(days) - min(days) > timedelta(days=300)
    assert max(m.date_sent for m in mine) <= info.history_end
    peers = {m.from_ if m.direction == "inbound" else m.to for m in mine}
    assert 20 < len(peers) < 500  # regular contacts write again
    assert {m.status for m in mine} >= {"received", "delivered", "undelivered", "failed"}
    owned = {n.phone_number for n in state.numbers.values()}
    assert all((m.to if m.direction == "inbound" else m.from_) in owned for m in mine)


def test_100k_messages_seed_and_page_without_gaps():
    """The size the sync benchmark uses: pages stay full, ordered and free of repeats.
    (How fast they are is measured in bench/, not asserted here.)"""
    running = start_emulator(numbers=25, messages=100_000, calls=0)
    server, info = running.server, running.seed
    try:
        sb = Sandbox(server, info)
        page = sb.client().messages.page(page_size=1000)
        seen = [m.sid for m in page]
        for _ in range(3):
            page = page.next_page()
            seen += [m.sid for m in page]
    finally:
        server.stop_thread()
    assert len(seen) == 4000 and len(set(seen)) == 4000
    assert info.message_count == 100_000
