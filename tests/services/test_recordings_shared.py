"""A Shared organization's recordings sync against the emulator: Loquent's shared account
holds other organizations' recordings too, so only the recordings of the organization's own
synced calls are read, call by call (never the account's Recordings list), resumable from
the last call done, incremental, and cancellable."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loquent_desktop.domain.errors import LoquentError
from loquent_desktop.domain.history_records import SyncOwner
from loquent_desktop.domain.recordings import RecordingQuery
from loquent_desktop.sandbox.formats import new_sid
from loquent_desktop.sandbox.state import Recording
from loquent_desktop.services.history_sync import HistorySyncError
from loquent_desktop.services.recordings_per_call import BATCH, calls_to_read
from tests.services.test_history_sync import record_purchase, shared_numbers
from tests.support.history import add_calls

KIND = "recordings"


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def add_recordings(sandbox: Any, calls: list[Any], seed: int = 5) -> dict[str, Recording]:
    """One recording for each completed call of `calls` (two for every fifth)."""
    rng = random.Random(seed)
    state = sandbox.server.state
    made: dict[str, Recording] = {}
    for i, call in enumerate(c for c in calls if c.status == "completed"):
        for extra in range(2 if i % 5 == 0 else 1):
            recording = Recording(
                sid=new_sid("RE", rng), account_sid=call.account_sid, call_sid=call.sid,
                duration=max(1, call.duration - 2), channels=1 + extra, source="RecordVerb",
                date_created=call.start_time + timedelta(seconds=1 + extra),
            )  # fmt: skip
            state.add(state.recordings, recording)
            made[recording.sid] = recording
    return made


@pytest.fixture
def shared(qloop: Any, context: Any, sandbox: Any) -> dict[str, Any]:
    """A Shared organization with one number of the shared account; another of its numbers
    belongs to someone else. Both have recorded calls; the organization's calls are synced."""
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    org_id = int(run(qloop, context.organizations.add("Shared Clinic")).id)
    state, account = sandbox.server.state, sandbox.seed.shared_account_sid
    mine, theirs = shared_numbers(sandbox)[:2]
    now = datetime.now(UTC)
    ours = add_calls(state, account, [mine], 60, newest=now, spread=timedelta(days=30), seed=3)
    other = add_calls(state, account, [theirs], 30, newest=now, spread=timedelta(days=30), seed=4)
    expected = add_recordings(sandbox, ours, seed=6)
    foreign = add_recordings(sandbox, other, seed=7)
    record_purchase(context, org_id, mine, datetime(2020, 1, 1, tzinfo=UTC))
    run(qloop, context.history.sync.start(org_id, "calls"))
    sandbox.server.clear_log()
    return {"org": org_id, "mine": expected, "foreign": foreign, "calls": ours, "number": mine}


def per_call_reads(sandbox: Any) -> list[str]:
    """The call SIDs whose recordings were read, in order."""
    return [
        r.path.split("/Calls/")[1].split("/")[0]
        for r in sandbox.server.requests("GET", "/Recordings.json")
        if "/Calls/" in r.path
    ]


def synced(qloop: Any, context: Any, org: int) -> set[str]:
    return {r.sid for r in run(qloop, context.recordings.browse.search(org, RecordingQuery()))}


def test_reads_only_its_own_calls_recordings_call_by_call(qloop, context, sandbox, shared) -> None:
    org = shared["org"]
    seen: list[Any] = []
    summary = run(qloop, context.recordings.sync.start(org, KIND, progress=seen.append))
    assert synced(qloop, context, org) == set(shared["mine"])
    assert summary.counts.new == len(shared["mine"])
    assert not set(shared["foreign"]) & synced(qloop, context, org)
    # Never the shared account's whole Recordings list; only its own completed calls.
    account_list = f"/Accounts/{sandbox.seed.shared_account_sid}/Recordings.json"
    assert sandbox.server.requests(path_contains=account_list) == []
    completed = {c.sid for c in context.database.calls.all_for_org(org)}  # synced: completed
    assert {c.sid for c in shared["calls"] if c.status == "completed"} <= completed
    assert set(per_call_reads(sandbox)) == completed
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []
    # Progress is exact (a call is a step) and reaches the end.
    assert seen and seen[-1].fraction == 1.0 and seen[-1].counts.new == len(shared["mine"])
    status = run(qloop, context.recordings.sync.status(org, KIND))
    assert status.synced_through is not None and not status.resumable


def test_an_interrupted_run_resumes_after_the_last_call_done(
    qloop, context, sandbox, shared
) -> None:
    org = shared["org"]
    completed = sorted(c.sid for c in context.database.calls.all_for_org(org))
    breaks = completed[2 * BATCH + 1]  # in the third batch: two batches are committed
    sandbox.server.faults.add(f"re:/Calls/{breaks}/Recordings.json$", "500", count=20)
    with pytest.raises(HistorySyncError):
        run(qloop, context.recordings.sync.start(org, KIND))
    saved = synced(qloop, context, org)
    first_two = {s for s, r in shared["mine"].items() if r.call_sid in completed[: 2 * BATCH]}
    assert saved == first_two  # what was committed stays
    status = run(qloop, context.recordings.sync.status(org, KIND))
    assert status.resumable
    sandbox.server.faults.clear()
    sandbox.server.clear_log()
    summary = run(qloop, context.recordings.sync.resume(org, KIND))
    assert summary.resumed and synced(qloop, context, org) == set(shared["mine"])
    # The calls done before the break are not read again.
    assert set(per_call_reads(sandbox)) == set(completed[2 * BATCH :])
    assert summary.counts.new == len(shared["mine"])  # the whole run's count


def test_the_next_run_is_incremental_and_finds_older_calls_synced_later(
    qloop, context, sandbox, shared
) -> None:
    org = shared["org"]
    run(qloop, context.recordings.sync.start(org, KIND))
    began = datetime.now(UTC)
    sandbox.server.clear_log()
    again = run(qloop, context.recordings.sync.start(org, KIND))
    assert again.counts.new == 0
    recent = {
        c.sid for c in context.database.calls.all_for_org(org)
        if c.start_time >= began - timedelta(days=1, minutes=5)
    }  # fmt: skip
    assert set(per_call_reads(sandbox)) <= recent  # only the calls of the last day
    # A calls sync reaching further back brings older calls, with recordings of their own:
    # the next recordings run reads those calls too (and still not the rest).
    state, account = sandbox.server.state, sandbox.seed.shared_account_sid
    old_day = datetime.now(UTC) - timedelta(days=90)
    older = add_calls(state, account, [shared["number"]], 12, newest=old_day,
                      spread=timedelta(days=5), seed=9)  # fmt: skip
    late = add_recordings(sandbox, older, seed=10)
    run(qloop, context.history.sync.start(org, "calls", since=old_day - timedelta(days=6)))
    sandbox.server.clear_log()
    third = run(qloop, context.recordings.sync.start(org, KIND))
    assert third.counts.new == len(late) > 0
    assert synced(qloop, context, org) == set(shared["mine"]) | set(late)
    read = set(per_call_reads(sandbox))
    assert {c.sid for c in older if c.status == "completed"} <= read


def test_cancel_keeps_what_was_read_and_resume_finishes(qloop, context, sandbox, shared) -> None:
    org = shared["org"]
    sandbox.server.set_latency(0.05)  # slow enough to cancel mid-run

    async def cancel_after_two_batches() -> None:
        task = asyncio.ensure_future(context.recordings.sync.start(org, KIND))
        while len(per_call_reads(sandbox)) < 2 * BATCH and not task.done():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(qloop, cancel_after_two_batches())
    sandbox.server.set_latency(0)
    kept = synced(qloop, context, org)
    assert 0 < len(kept) < len(shared["mine"])
    assert run(qloop, context.recordings.sync.status(org, KIND)).resumable
    run(qloop, context.recordings.sync.resume(org, KIND))
    assert synced(qloop, context, org) == set(shared["mine"])


def test_refused_without_numbers_or_synced_calls(qloop, context, sandbox) -> None:
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    org = int(run(qloop, context.organizations.add("New Clinic")).id)
    with pytest.raises(LoquentError, match="No numbers are recorded"):
        run(qloop, context.recordings.sync.start(org, KIND))
    record_purchase(context, org, shared_numbers(sandbox)[0], None)
    with pytest.raises(LoquentError, match="Sync this organization's calls first"):
        run(qloop, context.recordings.sync.start(org, KIND))
    assert [r for r in sandbox.server.requests() if "/Recordings" in r.path] == []


def test_calls_to_read_keeps_only_the_organizations_calls(qloop, context, sandbox, shared) -> None:
    org, mine = shared["org"], shared["number"]
    calls = context.database.calls.all_for_org(org)
    numbers = context.database.phone_numbers.list_for_org(org)
    owner = SyncOwner(sandbox.seed.shared_account_sid, False)
    every = calls_to_read(calls, numbers, owner, None, None)
    assert every == sorted(c.sid for c in calls) and every
    # Another account's calls, and calls from before the organization held the number.
    assert calls_to_read(calls, numbers, SyncOwner("AC" + "0" * 32, False), None, None) == []
    later = sorted(c.when for c in calls)[len(calls) // 2]
    record_purchase(context, org, mine, later)
    numbers = context.database.phone_numbers.list_for_org(org)
    held = calls_to_read(calls, numbers, owner, None, None)
    assert held and set(held) == {c.sid for c in calls if c.when >= later}
    assert calls_to_read(calls, numbers, owner, None, every[-1]) == []  # after the last done
