"""History sync through the real twilio library against the emulator over HTTP.

What a user would notice: after any number of runs, cancels, errors and crashes the local
database holds exactly the emulator's messages and calls (same SIDs, same fields, no
duplicates); the counts a run reports are exactly what changed; an incremental run picks up
what arrived since; and nothing is ever written to the Twilio account.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from loquent_desktop.domain.errors import LoquentError
from loquent_desktop.services.history import HistoryServices
from loquent_desktop.services.history_sync import HistorySyncError
from loquent_desktop.services.sync_progress import SyncProgress
from loquent_desktop.store.models import SyncCheckpoint
from loquent_desktop.store.repositories import UpsertCounts
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


def emulator_messages(sandbox: Any) -> dict[str, tuple[Any, ...]]:
    """Every stored field of the demo account's messages, as the emulator holds them (the
    date_sent last: tests compare it)."""
    state = sandbox.server.state
    with state.lock:
        return {
            m.sid: (m.from_, m.to, m.body, m.status, m.direction, m.num_segments, m.num_media,
                    m.price, m.error_code, m.error_message, m.messaging_service_sid,
                    m.price_unit, m.account_sid, m.date_created or m.date_sent,
                    m.date_updated or m.date_sent, m.date_sent)
            for m in state.messages.values()
            if m.account_sid == sandbox.seed.account_sid
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
    faults = sandbox.server.faults
    faults.add(f"*{MESSAGES}", kind="429", count=2, retry_after=0)
    faults.add(f"*{MESSAGES}", kind="drop", count=1)
    sandbox.server.clear_log()

    def more_faults(p: SyncProgress) -> None:
        if p.pages == 1:  # a second page that fails the same way
            faults.add(f"*{MESSAGES}", kind="drop", count=1)
            faults.add(f"*{MESSAGES}", kind="503", count=1)

    summary = run(qloop, context.history.sync.start(byo, "messages", progress=more_faults))

    assert summary.counts == UpsertCounts(new=len(expected))
    assert db_messages(context, byo) == expected
    answered = [r.status for r in sandbox.server.requests("GET", MESSAGES)]
    assert answered.count(429) == 2 and answered.count(503) == 1 and answered.count(None) == 2
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
    assert stopped.state == "interrupted" and stopped.count("pages") == 2
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
    chosen = own_numbers(sandbox)[:2]
    expected = {
        sid: m for sid, m in emulator_messages(sandbox).items() if m[0] in chosen or m[1] in chosen
    }
    between = [s for s, m in expected.items() if m[0] in chosen and m[1] in chosen]
    sandbox.server.clear_log()

    summary = run(qloop, context.history.sync.start(byo, "messages", numbers=chosen))

    assert db_messages(context, byo) == expected
    assert summary.counts.new == len(expected)
    assert summary.counts.unchanged == 0
    assert summary.counts.repeated == len(between)
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
    with state.lock:
        shared = sorted(
            n.phone_number for n in state.numbers.values()
            if n.account_sid == sandbox.seed.shared_account_sid
        )  # fmt: skip
    add_messages(state, sandbox.seed.shared_account_sid, shared, 300)
    mine = shared[0]
    context.database.phone_numbers.upsert_many(
        org_id, [{"sid": "PN" + "1" * 32, "phone_number": mine}], "purchased"
    )
    sandbox.server.clear_log()

    run(qloop, context.history.sync.start(org_id, "messages"))

    synced = context.database.messages.all_for_org(org_id)
    assert synced and all(mine in (m.from_number, m.to_number) for m in synced)
    sent = sandbox.server.requests("GET", MESSAGES)
    assert all(r.query.get("To") == mine or r.query.get("From") == mine for r in sent)
    only_reads(sandbox)


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
    import time
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
    from loquent_desktop.app import build_context
    from loquent_desktop.settings import Settings

    settings = Settings(
        twilio_base_url=sandbox.base_url, request_timeout_s=5, database_url=postgres_url
    )
    context = run(qloop, build_context(app_paths, settings, secret_store))
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
