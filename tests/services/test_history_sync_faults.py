"""The history sync under Twilio's failure modes, each seeded and counted: 429 storms with
and without Retry-After, 5xx bursts, dropped connections, timeouts, cut-off JSON, a 401
mid-run and a repeated page link. After each, the database equals the emulator's truth
(nothing missing, nothing doubled) or the run stopped with a clear, resumable error."""

from __future__ import annotations

import random
from typing import Any

import pytest

from loquent_desktop.domain.history_records import UpsertCounts
from loquent_desktop.services.history_sync import HistorySyncError
from loquent_desktop.services.sync_progress import SyncProgress
from tests.services.test_history_sync import (
    MESSAGES,
    checkpoint,
    db_messages,
    emulator_messages,
    fast_retries,
    only_reads,
    run,
    seed_messages,
)
from tests.services.test_numbers_service import connect_byo

SEED = 20261203


@pytest.fixture
def byo(context: Any, qloop: Any, sandbox: Any) -> int:
    fast_retries(context)
    return connect_byo(context, qloop, sandbox)


TRIALS = 6
FAULT_KINDS = ("429", "500", "503", "drop", "truncate", "latency", "timeout")
TIMEOUT_S = 0.3  # the request timeout during the storms; a "timeout" fault waits longer


def _sync_all(context: Any, qloop: Any, org_id: int) -> Any:
    """Start, and resume after a stop, until the sync completes (at most five runs)."""
    stops = 0
    for _ in range(5):
        try:
            if stops:
                return run(qloop, context.history.sync.resume(org_id, "messages"))
            return run(qloop, context.history.sync.start(org_id, "messages"))
        except HistorySyncError:
            stops += 1
    pytest.fail("the sync did not complete within five runs")


def test_random_fault_storms_end_in_exactly_twilios_data(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, byo, trial_report
) -> None:
    rng = random.Random(SEED)
    context.factory.timeout_s = context.factory.http.timeout_s = TIMEOUT_S
    seed_messages(sandbox, 3500)
    expected = emulator_messages(sandbox)
    faults = sandbox.server.faults
    injected: dict[str, int] = {}
    for trial in range(TRIALS):
        sandbox.server.clear_log()
        for _ in range(rng.randint(2, 5)):
            kind = rng.choice(FAULT_KINDS)
            count = rng.randint(1, 3)
            if kind == "429":
                retry_after = rng.choice((0.0, 0.01, 0.02))
                faults.add(f"*{MESSAGES}", kind, count=count, retry_after=retry_after)
            elif kind == "latency":
                faults.add(f"*{MESSAGES}", kind, count=count, latency=0.01)
            elif kind == "timeout":  # an answer slower than the request timeout
                faults.add(f"*{MESSAGES}", "latency", count=count, latency=2 * TIMEOUT_S)
            else:
                faults.add(f"*{MESSAGES}", kind, count=count)
            injected[kind] = injected.get(kind, 0) + count
        _sync_all(context, qloop, byo)
        faults.clear()
        assert db_messages(context, byo) == expected, f"trial {trial}"
        only_reads(sandbox)
    trial_report(
        f"history sync fault storms: {TRIALS} trials, faults injected "
        f"{dict(sorted(injected.items()))}"
    )


def test_a_cut_off_page_is_read_again(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 2500)
    expected = emulator_messages(sandbox)
    sandbox.server.faults.add(f"*{MESSAGES}", "truncate", count=1)
    summary = run(qloop, context.history.sync.start(byo, "messages"))
    assert summary.counts == UpsertCounts(new=len(expected))
    assert db_messages(context, byo) == expected


def test_a_repeated_page_link_stops_the_run_instead_of_looping(
    context, qloop, sandbox, byo
) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 3500)
    expected = emulator_messages(sandbox)
    faults = sandbox.server.faults

    def loop_on_the_second_page(p: SyncProgress) -> None:
        if p.pages == 1:
            faults.add(f"*{MESSAGES}", "repeat_page", count=100)

    with pytest.raises(HistorySyncError) as failure:
        run(qloop, context.history.sync.start(byo, "messages", progress=loop_on_the_second_page))
    assert "same page of results twice" in str(failure.value)
    # A page named itself as the next one: that link was already followed. (The next page
    # is requested while one is committed, so the page after the first may have come in
    # before the fault: then the third page is the one that loops.)
    assert len(sandbox.server.requests("GET", MESSAGES)) in (2, 3)
    assert checkpoint(context, byo).state == "interrupted"

    faults.clear()
    summary = run(qloop, context.history.sync.resume(byo, "messages"))
    assert summary.resumed
    assert db_messages(context, byo) == expected


def test_credentials_revoked_mid_run_stop_it_resumably(context, qloop, sandbox, byo) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 3500)
    expected = emulator_messages(sandbox)
    account = sandbox.server.state.accounts[sandbox.seed.account_sid]
    real_token = account.auth_token

    def revoke_after_two_pages(p: SyncProgress) -> None:
        if p.pages == 2:
            account.auth_token = "0" * 32  # rotated in the Console meanwhile

    with pytest.raises(HistorySyncError) as failure:
        run(qloop, context.history.sync.start(byo, "messages", progress=revoke_after_two_pages))
    assert "rejected the credentials" in str(failure.value)
    assert checkpoint(context, byo).state == "interrupted"
    # Page 3 is requested while page 2 is committed: it may have come in before the change.
    assert checkpoint(context, byo).count("pages") in (2, 3)

    account.auth_token = real_token
    run(qloop, context.history.sync.resume(byo, "messages"))
    assert db_messages(context, byo) == expected
