"""History sync through the real twilio library against the emulator over HTTP.

What a user would notice: after any number of runs, cancels, errors and crashes the local
database holds exactly the emulator's messages and calls (same SIDs, same fields, no
duplicates); the counts a run reports are exactly what changed; an incremental run picks up
what arrived since; and nothing is ever written to the Twilio account.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.domain.errors import LoquentError
from loquent_desktop.domain.history_records import UpsertCounts
from loquent_desktop.sandbox.formats import rfc2822
from loquent_desktop.sandbox.seed_history import seed_history
from loquent_desktop.sandbox.traffic import add_call, add_message
from loquent_desktop.services.history import HistoryServices
from loquent_desktop.services.history_sync import HistorySyncError, day_of
from loquent_desktop.services.number_export import csv_safe
from loquent_desktop.services.sync_progress import SyncProgress, SyncSummary
from loquent_desktop.store.models import SyncCheckpoint
from loquent_desktop.store.repositories.sync_checkpoints import ALL
from loquent_desktop.twilio_api.retry import RetryPolicy
from tests.services.test_numbers_service import connect_byo
from tests.support.history import add_calls, add_messages

MESSAGES = "/Messages.json"
CALLS = "/Calls.json"


# -- helpers -------------------------------------------------------------------------------


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def fast_retries(context: Any) -> None:
    """Retry at once: the policy is the real one, only the waits are shorter."""
    policy = RetryPolicy(base_delay_s=0.01, max_delay_s=0.05)
    context.factory.retry = policy
    context.factory.http.retry = policy


def only_reads(sandbox: Any) -> None:
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []


def own_numbers(sandbox: Any) -> list[str]:
    state = sandbox.server.state
    with state.lock:
        return sorted(
            n.phone_number
            for n in state.numbers.values()
            if n.account_sid == sandbox.seed.account_sid
        )


def emulator_messages(sandbox: Any, account_sid: str | None = None) -> dict[str, tuple[Any, ...]]:
    """Every stored field of the demo account's (or `account_sid`'s) messages, as the
    emulator holds them (the date_sent last: tests compare it)."""
    account_sid = account_sid or sandbox.seed.account_sid
    state = sandbox.server.state
    with state.lock:
        return {
            m.sid: (m.from_, m.to, m.body, m.status, m.direction, m.num_segments, m.num_media,
                    m.price, m.error_code, m.error_message, m.messaging_service_sid,
                    m.price_unit, m.account_sid, m.date_created or m.date_sent,
                    m.date_updated or m.date_sent, m.date_sent)
            for m in state.messages.values()
            if m.account_sid == account_sid
        }  # fmt: skip


def db_messages(context: Any, org_id: int) -> dict[str, tuple[Any, ...]]:
    rows = context.database.messages.all_for_org(org_id)
    assert len({m.sid for m in rows}) == len(rows)
    return {
        m.sid: (m.from_number, m.to_number, m.body, m.status, m.direction, m.num_segments,
                m.num_media, m.price, m.error_code, m.error_message, m.messaging_service_sid,
                m.price_unit, m.account_sid, m.date_created, m.date_updated, m.date_sent)
        for m in rows
    }  # fmt: skip


def emulator_calls(sandbox: Any, completed_only: bool = True) -> dict[str, tuple[Any, ...]]:
    state = sandbox.server.state
    with state.lock:
        return {
            c.sid: (c.from_, c.to, c.status, c.direction, c.start_time, c.end_time,
                    c.duration if c.end_time is not None else None, c.price, c.price_unit,
                    c.parent_call_sid, c.answered_by, c.forwarded_from, c.caller_name,
                    c.account_sid, c.date_created or c.start_time,
                    c.date_updated or c.end_time or c.start_time)
            for c in state.calls.values()
            if c.account_sid == sandbox.seed.account_sid
            and (c.status == "completed" or not completed_only)
        }  # fmt: skip


def db_calls(context: Any, org_id: int) -> dict[str, tuple[Any, ...]]:
    rows = context.database.calls.all_for_org(org_id)
    assert len({c.sid for c in rows}) == len(rows)
    return {
        c.sid: (c.from_number, c.to_number, c.status, c.direction, c.start_time, c.end_time,
                c.duration, c.price, c.price_unit, c.parent_call_sid, c.answered_by,
                c.forwarded_from, c.caller_name, c.account_sid, c.date_created, c.date_updated)
        for c in rows
    }  # fmt: skip


def checkpoint(context: Any, org_id: int, kind: str = "messages", scope: str = ALL) -> Any:
    return context.database.sync_checkpoints.get(org_id, kind, scope)


def cancel_after(qloop: Any, context: Any, org_id: int, kind: str, pages: int, **kw: Any) -> None:
    """Start a sync and cancel it (as the Cancel button does) once `pages` are committed."""

    async def scenario() -> None:
        task = asyncio.current_task()
        assert task is not None

        def progress(p: SyncProgress) -> None:
            if p.pages == pages:
                task.cancel()

        await context.history.sync.start(org_id, kind, progress=progress, **kw)

    with pytest.raises(asyncio.CancelledError):
        run(qloop, scenario())


@pytest.fixture
def byo(context: Any, qloop: Any, sandbox: Any) -> int:
    fast_retries(context)
    return connect_byo(context, qloop, sandbox)


def seed_messages(sandbox: Any, count: int, **kwargs: Any) -> None:
    add_messages(sandbox.server.state, sandbox.seed.account_sid, own_numbers(sandbox), count,
                 **kwargs)  # fmt: skip


def flaky_lists(sandbox: Any) -> Callable[[SyncProgress], None]:
    """Two 429s and a dropped connection on the first Messages page, then (from the
    progress callback returned) a dropped connection and a 503 on the second."""
    faults = sandbox.server.faults
    faults.add(f"*{MESSAGES}", kind="429", count=2, retry_after=0)
    faults.add(f"*{MESSAGES}", kind="drop", count=1)
    sandbox.server.clear_log()

    def more_faults(p: SyncProgress) -> None:
        if p.pages == 1:
            faults.add(f"*{MESSAGES}", kind="drop", count=1)
            faults.add(f"*{MESSAGES}", kind="503", count=1)

    return more_faults


def assert_flaky_lists_answered(sandbox: Any) -> None:
    answered = [r.status for r in sandbox.server.requests("GET", MESSAGES)]
    assert answered.count(429) == 2 and answered.count(503) == 1 and answered.count(None) == 2


def import_numbers(context: Any, qloop: Any, org_id: int) -> None:
    """Record the account's numbers for the organization (the Numbers tab's Import)."""
    numbers = run(qloop, context.numbers.list_owned(org_id))
    run(qloop, context.numbers.import_numbers(org_id, numbers))


def shared_numbers(sandbox: Any) -> list[str]:
    state = sandbox.server.state
    with state.lock:
        return sorted(
            n.phone_number for n in state.numbers.values()
            if n.account_sid == sandbox.seed.shared_account_sid
        )  # fmt: skip


def record_purchase(context: Any, org_id: int, number: str, bought: datetime | None) -> None:
    """A number Loquent bought for a Shared organization, as the purchase records it."""
    raw: dict[str, Any] = {"sid": "PN" + number.lstrip("+").rjust(32, "0"), "phone_number": number}
    if bought is not None:
        raw["date_created"] = rfc2822(bought)
    context.database.phone_numbers.upsert_many(org_id, [raw], "purchased")


def sent_to_and_from(sandbox: Any, path: str = MESSAGES) -> list[tuple[Any, Any]]:
    return [(r.query.get("To"), r.query.get("From")) for r in sandbox.server.requests("GET", path)]


# -- messages ------------------------------------------------------------------------------


def test_first_sync_copies_every_message_exactly(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 2500)
    expected = emulator_messages(sandbox)
    sandbox.server.clear_log()
    seen: list[SyncProgress] = []

    summary = run(qloop, context.history.sync.start(byo, "messages", progress=seen.append))

    assert db_messages(context, byo) == expected
    assert summary.counts == UpsertCounts(new=len(expected))
    assert summary.pages == 3 and [p.pages for p in seen] == [1, 2, 3]
    assert [p.counts.new for p in seen] == [1000, 2000, len(expected)]
    assert seen[-1].fraction is not None and 0 < seen[-1].fraction <= 1
    assert "(estimate)" in seen[0].text() or seen[0].eta_s is None
    lists = sandbox.server.requests("GET", MESSAGES)
    assert len(lists) == 3 and all(r.query["PageSize"] == "1000" for r in lists)
    assert "DateSent>" not in lists[0].query  # a first run reads the whole history
    assert all(r.source == "import" for r in context.database.messages.all_for_org(byo))
    only_reads(sandbox)
    done = checkpoint(context, byo)
    assert done.state == "completed"
    assert done.synced_through == max(m[-1] for m in expected.values())
    assert "Messages synced" in summary.text() and f"{len(expected):,} new" in summary.text()


def test_rerun_overlaps_one_day_and_picks_up_what_arrived(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 1500, spread=timedelta(days=30))
    run(qloop, context.history.sync.start(byo, "messages"))
    through = checkpoint(context, byo).synced_through
    state = sandbox.server.state
    with state.lock:  # a status changes within the overlap day, and two messages arrive
        newest = max(
            (m for m in state.messages.values() if m.account_sid == sandbox.seed.account_sid),
            key=lambda m: m.date_sent,
        )
        newest.status = "undelivered"
    seed_messages(
        sandbox,
        2,
        newest=datetime.now(UTC).replace(microsecond=0),
        spread=timedelta(minutes=2),
        seed=7,
    )
    expected = emulator_messages(sandbox)
    overlap_from = datetime.combine(
        (through - timedelta(days=1)).date(), datetime.min.time(), tzinfo=UTC
    )
    in_overlap = [s for s, m in expected.items() if m[-1] >= overlap_from]
    sandbox.server.clear_log()

    summary = run(qloop, context.history.sync.start(byo, "messages"))

    (first, *_) = sandbox.server.requests("GET", MESSAGES)
    assert first.query["DateSent>"] == overlap_from.strftime("%Y-%m-%d")
    assert summary.counts == UpsertCounts(new=2, updated=1, unchanged=len(in_overlap) - 3)
    assert db_messages(context, byo) == expected
    only_reads(sandbox)


def test_repeated_runs_never_duplicate(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 1200)
    expected = emulator_messages(sandbox)
    for _ in range(3):
        run(qloop, context.history.sync.start(byo, "messages", since=datetime(2020, 1, 1)))
    assert db_messages(context, byo) == expected
    assert context.database.messages.count(byo) == len(expected)
    again = run(qloop, context.history.sync.start(byo, "messages", since=datetime(2020, 1, 1)))
    assert again.counts == UpsertCounts(unchanged=len(expected))


def test_429s_and_dropped_connections_are_retried(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 2200)
    expected = emulator_messages(sandbox)
    more_faults = flaky_lists(sandbox)

    summary = run(qloop, context.history.sync.start(byo, "messages", progress=more_faults))

    assert summary.counts == UpsertCounts(new=len(expected))
    assert db_messages(context, byo) == expected
    assert_flaky_lists_answered(sandbox)
    only_reads(sandbox)


def test_a_persistent_error_leaves_a_resumable_checkpoint(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 3500)
    expected = emulator_messages(sandbox)
    faults = sandbox.server.faults

    def break_after_two_pages(p: SyncProgress) -> None:
        if p.pages == 2:
            faults.add(f"*{MESSAGES}", kind="500", count=4)

    with pytest.raises(HistorySyncError) as failure:
        run(qloop, context.history.sync.start(byo, "messages", progress=break_after_two_pages))
    assert "server problem" in str(failure.value) and "Resume" in str(failure.value)
    stopped = checkpoint(context, byo)
    # Page 3 is requested while page 2 is committed, so it may have come in before the fault.
    assert stopped.state == "interrupted" and stopped.count("pages") in (2, 3)
    assert "PageToken=" in stopped.next_page_uri
    status = run(qloop, context.history.sync.status(byo, "messages"))
    assert status.resumable and "Interrupted on" in status.text()
    sandbox.server.clear_log()

    summary = run(qloop, context.history.sync.resume(byo, "messages"))

    first = sandbox.server.requests("GET", MESSAGES)[0]
    assert first.query.get("PageToken"), "the resumed run starts at the stored page"
    assert summary.resumed and summary.counts == UpsertCounts(new=len(expected))
    assert db_messages(context, byo) == expected
    assert not run(qloop, context.history.sync.status(byo, "messages")).resumable


def test_cancel_mid_run_then_resume(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 4200)
    expected = emulator_messages(sandbox)

    cancel_after(qloop, context, byo, "messages", pages=2)
    stopped = checkpoint(context, byo)
    assert stopped.state == "interrupted" and stopped.count("pages") == 2
    assert context.database.messages.count(byo) == 2000
    assert not context.history.sync.is_running(byo, "messages")

    summary = run(qloop, context.history.sync.resume(byo, "messages"))
    assert summary.counts == UpsertCounts(new=len(expected))
    assert summary.pages == 5
    assert db_messages(context, byo) == expected
    only_reads(sandbox)


def test_a_run_left_running_by_a_dead_process_is_resumed(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    """The app was killed mid-sync: the checkpoint still says running. A new process (a
    new service on the same database) offers Resume and ends with exact counts."""
    seed_messages(sandbox, 3100)
    expected = emulator_messages(sandbox)

    cancel_after(qloop, context, byo, "messages", pages=1)
    with context.database.sessions() as session:  # what a killed process leaves behind
        session.execute(update(SyncCheckpoint).values(state="running"))
        session.commit()
    fresh = HistoryServices.build(context.access, context.database).sync

    status = run(qloop, fresh.status(byo, "messages"))
    assert status.resumable and status.counts == UpsertCounts(new=1000)
    summary = run(qloop, fresh.resume(byo, "messages"))

    assert summary.counts == UpsertCounts(new=len(expected))
    assert db_messages(context, byo) == expected


def test_a_refused_page_link_restarts_that_query(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 2100)
    expected = emulator_messages(sandbox)

    cancel_after(qloop, context, byo, "messages", pages=1)
    cp = checkpoint(context, byo)
    bogus = cp.next_page_uri.split("PageToken=")[0] + "PageToken=PA" + "SM" + "0" * 32
    with context.database.sessions() as session:
        session.execute(update(SyncCheckpoint).values(next_page_uri=bogus))
        session.commit()
    sandbox.server.clear_log()

    summary = run(qloop, context.history.sync.resume(byo, "messages"))

    statuses = [r.status for r in sandbox.server.requests("GET", MESSAGES)]
    assert statuses[0] == 400 and statuses[1:] == [200, 200, 200]
    assert db_messages(context, byo) == expected
    # The first page, read twice, is counted once (its rows were already this run's).
    assert summary.counts == UpsertCounts(new=len(expected), repeated=1000)


def test_selected_numbers_query_to_and_from_and_count_each_message_once(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    seed_messages(sandbox, 1500)
    import_numbers(context, qloop, byo)
    chosen = own_numbers(sandbox)[:2]
    expected = {
        sid: m for sid, m in emulator_messages(sandbox).items() if m[0] in chosen or m[1] in chosen
    }
    between = [s for s, m in expected.items() if m[0] in chosen and m[1] in chosen]
    assert between
    sandbox.server.clear_log()
    seen: list[SyncProgress] = []

    summary = run(
        qloop, context.history.sync.start(byo, "messages", numbers=chosen, progress=seen.append)
    )

    assert db_messages(context, byo) == expected
    assert summary.counts.new == len(expected)
    assert summary.counts.unchanged == 0
    assert summary.counts.repeated == len(between)
    # Every record read is in the numbers shown: new + updated + unchanged + already counted.
    read = len(expected) + len(between)
    assert f"{len(between):,} already counted" in summary.text()
    assert f"{read:,} messages read" in seen[-1].text()
    assert f"{len(between):,} already counted" in seen[-1].text()
    sent = [
        (r.query.get("To"), r.query.get("From")) for r in sandbox.server.requests("GET", MESSAGES)
    ]
    assert sent == [(chosen[0], None), (None, chosen[0]), (chosen[1], None), (None, chosen[1])]
    assert [
        c.scope for c in context.database.sync_checkpoints.latest_run(byo, "messages")
    ] == chosen
    only_reads(sandbox)


def test_contacts_are_the_external_parties_with_their_latest_time(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    seed_messages(sandbox, 800)
    own = set(own_numbers(sandbox))
    # The org's numbers are known to Loquent once imported.
    numbers = run(qloop, context.numbers.list_owned(byo))
    run(qloop, context.numbers.import_numbers(byo, numbers))
    run(qloop, context.history.sync.start(byo, "messages"))
    expected: dict[str, datetime] = {}
    for from_, to, _body, _status, direction, *_counts, sent in emulator_messages(sandbox).values():
        party = from_ if direction == "inbound" else to
        if party not in own:
            expected[party] = max(sent, expected.get(party, sent))
    contacts = run(qloop, context.history.browse.contact_list(byo))
    assert {c.phone_number: c.last_contacted_at for c in contacts} == expected


# -- calls ---------------------------------------------------------------------------------


def test_calls_sync_reads_completed_calls_and_reports_imported_and_skipped(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    add_calls(sandbox.server.state, sandbox.seed.account_sid, own_numbers(sandbox), 1400)
    expected = emulator_calls(sandbox)
    sandbox.server.clear_log()

    first = run(qloop, context.history.sync.start(byo, "calls"))

    assert db_calls(context, byo) == expected
    assert first.imported == len(expected) and first.counts.unchanged == 0
    assert all(r.query["Status"] == "completed" for r in sandbox.server.requests("GET", CALLS))
    again = run(qloop, context.history.sync.start(byo, "calls", since=datetime(2020, 1, 1)))
    assert (again.imported, again.counts.unchanged) == (0, len(expected))
    assert f"0 imported, {len(expected):,} skipped" in again.text()
    assert db_calls(context, byo) == expected
    only_reads(sandbox)


def test_calls_per_number_resume_after_cancel(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    own = own_numbers(sandbox)
    import_numbers(context, qloop, byo)
    add_calls(sandbox.server.state, sandbox.seed.account_sid, own[:1], 2600)
    number = own[0]
    expected = {s: c for s, c in emulator_calls(sandbox).items() if number in (c[0], c[1])}

    cancel_after(qloop, context, byo, "calls", pages=1, numbers=[number])
    stopped = checkpoint(context, byo, "calls", number)
    assert stopped.state == "interrupted" and stopped.step == 0 and stopped.next_page_uri
    summary = run(qloop, context.history.sync.resume(byo, "calls"))
    assert summary.imported == len(expected) and summary.counts.unchanged == 0
    assert db_calls(context, byo) == expected
    only_reads(sandbox)


def test_shared_organizations_sync_only_their_own_numbers(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    fast_retries(context)

    async def shared_org() -> int:
        await context.connection.connect_shared(sandbox.shared_credentials)
        return int((await context.organizations.add("Shared Clinic")).id)

    org_id = run(qloop, shared_org())
    with pytest.raises(LoquentError, match="No numbers are recorded"):
        run(qloop, context.history.sync.start(org_id, "messages"))
    state = sandbox.server.state
    shared = shared_numbers(sandbox)
    add_messages(state, sandbox.seed.shared_account_sid, shared, 300)
    mine = shared[0]
    record_purchase(context, org_id, mine, datetime(2020, 1, 1, tzinfo=UTC))
    sandbox.server.clear_log()

    run(qloop, context.history.sync.start(org_id, "messages"))

    synced = context.database.messages.all_for_org(org_id)
    assert synced and all(mine in (m.from_number, m.to_number) for m in synced)
    sent = sandbox.server.requests("GET", MESSAGES)
    assert all(r.query.get("To") == mine or r.query.get("From") == mine for r in sent)
    only_reads(sandbox)


def test_a_shared_number_is_read_only_from_the_day_the_organization_got_it(  # type: ignore[no-untyped-def]
    context, qloop, sandbox
) -> None:
    """The number was someone else's before Loquent bought it for this organization: that
    history stays out, even on the day it changed hands (Twilio filters by whole days)."""
    fast_retries(context)
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    org_id = int(run(qloop, context.organizations.add("Shared Clinic")).id)
    state, shared_sid = sandbox.server.state, sandbox.seed.shared_account_sid
    mine = shared_numbers(sandbox)[0]
    bought = datetime.now(UTC).replace(hour=13, minute=0, second=0, microsecond=0) - timedelta(
        days=100
    )
    add_messages(state, shared_sid, [mine], 400, spread=timedelta(days=300), seed=11)
    before = add_message(state, shared_sid, "+16465550199", mine, "For the last owner",
                         sent=bought - timedelta(hours=2))  # fmt: skip
    after = add_message(state, shared_sid, "+16465550198", mine, "For us",
                        sent=bought + timedelta(hours=1))  # fmt: skip
    record_purchase(context, org_id, mine, bought)
    expected = {
        sid: m for sid, m in emulator_messages(sandbox, shared_sid).items()
        if mine in (m[0], m[1]) and m[-1] >= bought
    }  # fmt: skip
    assert after.sid in expected and before.sid not in expected
    assert len(expected) < len(
        [m for m in emulator_messages(sandbox, shared_sid).values() if mine in (m[0], m[1])]
    )
    sandbox.server.clear_log()

    run(qloop, context.history.sync.start(org_id, "messages"))

    sent = sandbox.server.requests("GET", MESSAGES)
    assert sent and all(r.query.get("DateSent>") == bought.date().isoformat() for r in sent)
    assert db_messages(context, org_id) == expected
    contacts = {c.phone_number for c in run(qloop, context.history.browse.contact_list(org_id))}
    assert "+16465550198" in contacts and "+16465550199" not in contacts
    # The next run starts a day before the newest message, not at the purchase date.
    assert checkpoint(context, org_id, scope=mine).synced_through == max(
        m[-1] for m in expected.values()
    )


def test_resume_is_refused_once_the_organization_moved_to_shared(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    """A BYO "all" run, cancelled; the organization is then switched to Shared. Resuming
    it would read the whole shared account (every customer's messages) into this one."""
    seed_messages(sandbox, 2600)
    cancel_after(qloop, context, byo, "messages", pages=1)
    assert run(qloop, context.history.sync.status(byo, "messages")).resumable
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    run(qloop, context.organizations.set_mode(byo, False))
    shared_sid = sandbox.seed.shared_account_sid
    mine = shared_numbers(sandbox)[1]
    add_messages(sandbox.server.state, shared_sid, shared_numbers(sandbox), 300, seed=4)
    record_purchase(context, byo, mine, datetime(2020, 1, 1, tzinfo=UTC))
    sandbox.server.clear_log()

    status = run(qloop, context.history.sync.status(byo, "messages"))
    assert not status.resumable and status.stale
    assert "cannot be resumed" in status.text()
    with pytest.raises(LoquentError, match="another Twilio account or mode"):
        run(qloop, context.history.sync.resume(byo, "messages"))
    assert sandbox.server.requests() == []

    run(qloop, context.history.sync.start(byo, "messages"))

    assert set(sent_to_and_from(sandbox)) == {(mine, None), (None, mine)}
    from_shared = [
        m for m in context.database.messages.all_for_org(byo) if m.account_sid == shared_sid
    ]
    assert from_shared and all(mine in (m.from_number, m.to_number) for m in from_shared)
    assert checkpoint(context, byo, scope=mine).since is None  # a first run for this account
    only_reads(sandbox)


def test_a_shared_organization_never_runs_a_whole_account_query(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    """Even a run that claims to be the shared account's (a database edited by hand, an
    older version) must not read the whole shared account, nor a number not the
    organization's."""
    seed_messages(sandbox, 2600)
    cancel_after(qloop, context, byo, "messages", pages=1)
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    run(qloop, context.organizations.set_mode(byo, False))
    record_purchase(context, byo, shared_numbers(sandbox)[0], datetime(2020, 1, 1, tzinfo=UTC))
    with context.database.sessions() as session:  # the stale run, relabelled as Shared
        session.execute(
            update(SyncCheckpoint).values(
                account_sid=sandbox.seed.shared_account_sid, byo_twilio=False
            )
        )
        session.commit()
    sandbox.server.clear_log()

    with pytest.raises(LoquentError, match="more than this organization's own numbers"):
        run(qloop, context.history.sync.resume(byo, "messages"))

    assert sandbox.server.requests() == []
    assert checkpoint(context, byo).state == "interrupted"


def test_resume_is_refused_after_reconnecting_to_another_account(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    seed_messages(sandbox, 1500)
    run(qloop, context.history.sync.start(byo, "messages"))
    assert checkpoint(context, byo).synced_through is not None
    cancel_after(qloop, context, byo, "messages", pages=1, since=datetime(2020, 1, 1))
    state = sandbox.server.state
    with state.lock:
        branch = state.accounts[sandbox.seed.subaccount_sid]
        credentials = Credentials(branch.sid, branch.auth_token)
    run(qloop, context.connection.connect(byo, credentials))
    sandbox.server.clear_log()

    assert not run(qloop, context.history.sync.status(byo, "messages")).resumable
    with pytest.raises(LoquentError, match="another Twilio account"):
        run(qloop, context.history.sync.resume(byo, "messages"))
    assert sandbox.server.requests() == []
    status = run(qloop, context.history.sync.status(byo, "messages"))
    assert status.synced_through is None  # what was reached was the other account's

    run(qloop, context.history.sync.start(byo, "messages"))

    (first,) = sandbox.server.requests("GET", MESSAGES)
    assert branch.sid in first.path and "DateSent>" not in first.query
    assert checkpoint(context, byo).owner is not None
    assert checkpoint(context, byo).account_sid == branch.sid


def test_an_only_since_run_does_not_move_the_mark_past_what_it_skipped(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    seed_messages(sandbox, 600, newest=now - timedelta(days=40), spread=timedelta(days=60))
    run(qloop, context.history.sync.start(byo, "messages"))
    mark = checkpoint(context, byo).synced_through
    assert mark == now - timedelta(days=40)
    # Messages arrive over the next weeks; the user then syncs only the last three days.
    seed_messages(sandbox, 300, newest=now - timedelta(hours=1), spread=timedelta(days=30), seed=5)
    run(qloop, context.history.sync.start(byo, "messages", since=now - timedelta(days=3)))
    assert checkpoint(context, byo).synced_through == mark  # the 27 days before are unread
    sandbox.server.clear_log()

    run(qloop, context.history.sync.start(byo, "messages"))

    (first, *_) = sandbox.server.requests("GET", MESSAGES)
    assert first.query["DateSent>"] == (mark - timedelta(days=1)).date().isoformat()
    assert db_messages(context, byo) == emulator_messages(sandbox)
    newest = max(m[-1] for m in emulator_messages(sandbox).values())
    assert checkpoint(context, byo).synced_through == newest
    # A "since" that reaches back over the mark joins up with it: the mark moves.
    add_messages(sandbox.server.state, sandbox.seed.account_sid, own_numbers(sandbox), 5,
                 newest=now, spread=timedelta(minutes=5), seed=9)  # fmt: skip
    run(qloop, context.history.sync.start(byo, "messages", since=now - timedelta(days=10)))
    assert checkpoint(context, byo).synced_through == now


def test_numbers_outside_the_organization_are_refused(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    import_numbers(context, qloop, byo)
    other = run(qloop, context.organizations.add("Other clinic"))
    foreign = shared_numbers(sandbox)[0]
    record_purchase(context, other.id, foreign, None)
    sandbox.server.clear_log()

    with pytest.raises(LoquentError, match=r"\+1833\d+ is not among this organization's"):
        run(qloop, context.history.sync.start(byo, "messages", numbers=[own_numbers(sandbox)[0],
                                                                         foreign]))  # fmt: skip

    assert sandbox.server.requests() == []
    assert context.database.sync_checkpoints.list_for_org(byo) == []


@pytest.fixture
def local_time_zone() -> Any:
    """Set the process's time zone for one test (and restore it)."""
    import os

    saved = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_a_calendar_day_starts_at_local_midnight_rounded_down_to_a_utc_day(  # type: ignore[no-untyped-def]
    local_time_zone,
) -> None:
    local_time_zone("Pacific/Auckland")  # UTC+12: the 10th starts on the 9th in UTC
    assert day_of(date(2026, 5, 10)) == datetime(2026, 5, 9, tzinfo=UTC)
    local_time_zone("America/New_York")  # UTC-4: the 10th starts at 04:00 UTC the same day
    assert day_of(date(2026, 5, 10)) == datetime(2026, 5, 10, tzinfo=UTC)
    assert day_of(datetime(2026, 5, 10, 23, 30, tzinfo=UTC)) == datetime(2026, 5, 10, tzinfo=UTC)


def test_contacts_are_who_the_organization_talked_to(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    """Seeded demo traffic with SIP-trunk calls both ways and forwarded calls (<Dial> legs),
    plus texts between two of the account's numbers, on a BYO account whose numbers were
    never imported: contacts are exactly the outside parties."""
    state, account = sandbox.server.state, sandbox.seed.account_sid
    with state.lock:
        numbers = [n for n in state.numbers.values() if n.account_sid == account]
        seed_history(state, random.Random(3), account, numbers, 600, 900, 0,
                     datetime.now(UTC).replace(microsecond=0), 90)  # fmt: skip
    own = {n.phone_number for n in numbers}
    a, b = sorted(own)[:2]
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(3):  # one text between two own numbers: Twilio keeps both ends
        add_message(state, account, a, b, "Internal", direction="outbound-api",
                    sent=now - timedelta(days=20 * i))  # fmt: skip
        add_message(state, account, a, b, "Internal", sent=now - timedelta(days=20 * i))
    # A call forwarded to a phone nobody else ever calls (the seeded staff phones are
    # also called directly now and then).
    forwarded = add_call(state, account, "+16465550123", b, start=now - timedelta(days=2))
    add_call(state, account, "+16465550123", "+15035550177", direction="outbound-dial",
             start=now - timedelta(days=2), parent_call_sid=forwarded.sid)  # fmt: skip
    calls = emulator_calls(sandbox)
    directions = {c[3] for c in calls.values()}
    assert {"trunking-originating", "trunking-terminating", "outbound-dial"} <= directions
    expected: dict[str, datetime] = {}
    for from_, to, direction, when in [
        (m[0], m[1], m[4], m[-1]) for m in emulator_messages(sandbox).values()
    ] + [(c[0], c[1], c[3], c[4]) for c in calls.values() if c[9] is None]:
        party = from_ if direction in ("inbound", "trunking-originating") else to
        if party not in own:
            expected[party] = max(when, expected.get(party, when))
    forwarded_to = {c[1] for c in calls.values() if c[9] is not None}
    trunk_peers = {c[0] for c in calls.values() if c[3] == "trunking-originating"}
    trunk_peers |= {c[1] for c in calls.values() if c[3] == "trunking-terminating"}

    run(qloop, context.history.sync.start(byo, "messages"))
    run(qloop, context.history.sync.start(byo, "calls"))

    contacts = run(qloop, context.history.browse.contact_list(byo))
    assert {c.phone_number: c.last_contacted_at for c in contacts} == expected
    assert trunk_peers <= expected.keys()
    assert "+15035550177" in forwarded_to and "+15035550177" not in expected
    assert "+16465550123" in expected
    assert not own & {c.phone_number for c in contacts}


def test_counts_add_up_in_the_words_shown() -> None:
    counts = UpsertCounts(new=3, updated=1, unchanged=5, repeated=2)
    calls = SyncSummary("calls", counts, pages=1, scopes=(ALL,), elapsed_s=2).text()
    assert "4 imported, 7 skipped (5 already up to date, 2 already counted)" in calls
    messages = SyncSummary("messages", counts, pages=1, scopes=(ALL,), elapsed_s=2).text()
    assert "3 new, 1 updated, 5 unchanged, 2 already counted" in messages
    progress = SyncProgress("messages", counts, 1, "all messages", 0.5, 10.0, 3.0).text()
    assert progress.startswith("11 messages read (1 page): 3 new, 1 updated, 5 unchanged, 2 ")
    plain = UpsertCounts(new=3, unchanged=5)
    assert (
        "3 imported, 5 skipped (already up to date)"
        in SyncSummary("calls", plain, pages=1, scopes=(ALL,), elapsed_s=2).text()
    )


def test_csv_cells_keep_numbers_and_neutralize_formulas() -> None:
    for plain in ("-0.00790", "+14155550100", "-12", "0.5", "-.5", "+3.25"):
        assert csv_safe(plain) == plain
    for formula in ("=1+2", "-1+2", "+1 415-555-0100", "@SUM(A1)", "-", "-0.5e3", "-2\n=1"):
        assert csv_safe(formula) == "'" + formula


_SYNC_IN_A_CHILD = """
import asyncio, sys
from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.secrets.store import SecretStore, org_key
from loquent_desktop.services.history import HistoryServices
from loquent_desktop.services.twilio_access import TwilioAccess
from loquent_desktop.store.database import open_database
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.routing import HostRouting
from tests.support.memory_keyring import MemoryKeyring

url, base, org_id, sid, token = sys.argv[1:]
db = open_database(url)
secrets = SecretStore("loquent-crash-test", backend=MemoryKeyring())
secrets.set_credentials(org_key(db.organizations.get(int(org_id)).keychain_id),
                        Credentials(sid, token))
access = TwilioAccess(db.organizations, secrets, TwilioClientFactory(HostRouting(base_url=base)))
asyncio.run(HistoryServices.build(access, db).sync.start(int(org_id), "messages"))
"""


def test_a_sync_killed_mid_run_resumes_with_exact_counts(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    """kill -9 in the middle of a sync (another process on the same SQLite file): the
    checkpoint and the rows agree, and Resume ends with exactly the emulator's messages."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    seed_messages(sandbox, 6000)
    expected = emulator_messages(sandbox)
    sandbox.server.set_latency(0.2)
    root = Path(__file__).resolve().parents[2]
    url = context.database.url.render_as_string(hide_password=False)
    creds = sandbox.demo_credentials
    child = subprocess.Popen(
        [sys.executable, "-c", _SYNC_IN_A_CHILD, url, sandbox.base_url, str(byo),
         creds.account_sid, creds.secret],
        cwd=root,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            cp = checkpoint(context, byo)
            if cp is not None and cp.count("pages") >= 2:
                break
            assert child.poll() is None, "the child ended before it could be killed"
            assert time.monotonic() < deadline, "the child synced nothing"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    sandbox.server.set_latency(0)
    left = checkpoint(context, byo)
    assert left.state == "running"  # nobody marked it: the process died
    assert context.database.messages.count(byo) == left.count("new")

    summary = run(qloop, context.history.sync.resume(byo, "messages"))

    assert summary.counts == UpsertCounts(new=len(expected))
    assert db_messages(context, byo) == expected
    only_reads(sandbox)


@pytest.mark.postgres
def test_sync_and_resume_on_a_shared_postgresql_database(  # type: ignore[no-untyped-def]
    qloop, sandbox, app_paths, secret_store, postgres_url
) -> None:
    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.settings import Settings
    from tests.conftest import no_wait_retries

    settings = Settings(
        twilio_base_url=sandbox.base_url, request_timeout_s=5, database_url=postgres_url
    )
    options = StartOptions(app_paths, settings, secrets=secret_store, retry=no_wait_retries())
    context = run(qloop, start_app(options))
    try:
        assert not context.database.is_sqlite
        fast_retries(context)
        org_id = connect_byo(context, qloop, sandbox)
        seed_messages(sandbox, 3300)
        expected = emulator_messages(sandbox)
        cancel_after(qloop, context, org_id, "messages", pages=2)
        summary = run(qloop, context.history.sync.resume(org_id, "messages"))
        assert summary.counts == UpsertCounts(new=len(expected))
        assert db_messages(context, org_id) == expected
        again = run(qloop, context.history.sync.start(org_id, "messages"))
        assert again.counts.new == 0 and again.counts.updated == 0
        assert db_messages(context, org_id) == expected
    finally:
        run(qloop, context.aclose())
