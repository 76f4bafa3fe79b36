"""SIGKILL at random moments of a message sync and of a call sync (20 trials each, seeded):
every trial is then resumed here, and the database must equal Twilio's data exactly — no
record missing, none twice, and counts that add up to what Twilio holds."""

from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

import pytest

from loquent_desktop.domain.errors import LoquentError
from tests.services.test_history_sync import (
    db_calls,
    db_messages,
    emulator_calls,
    emulator_messages,
    fast_retries,
    own_numbers,
    run,
)
from tests.services.test_numbers_service import connect_byo
from tests.support.history import add_calls, add_messages
from tests.support.sync_child import sync_until_killed

TRIALS = 20
KILLED_RUN_LATENCY_S = 0.03
RECORDS = 3_000  # three pages: a kill can land before, between and inside page commits
SEED = 4242


def _forkserver() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.support.sync_child"])
    return context


def _pages_committed(context: Any, org_id: int, kind: str) -> int:
    latest = context.database.sync_checkpoints.latest_run(org_id, kind)
    return sum(cp.count("pages") for cp in latest)


def _killed_run(
    tmp: Path, context: Any, sandbox: Any, org_id: int, kind: str, pages: int, delay: float
) -> None:
    """Run a sync in a child process and SIGKILL it `delay` seconds after it has committed
    `pages` pages (aiming by progress, not by the clock, keeps the kills inside the run on a
    slow or busy machine; the extra delay spreads them over the page that follows)."""
    url = context.database.engine.url.render_as_string(hide_password=False)
    processes = _forkserver()
    started = processes.Event()
    child = processes.Process(
        target=sync_until_killed,
        args=(str(tmp), sandbox.base_url, url, context.secrets.service, org_id, kind, started),
        daemon=True,
    )
    child.start()
    try:
        assert started.wait(timeout=60), "the child process did not start the app"
        deadline = time.monotonic() + 60
        while child.is_alive() and _pages_committed(context, org_id, kind) < pages:
            assert time.monotonic() < deadline, "the child's sync made no progress"
            time.sleep(0.005)
        time.sleep(delay)
        child.kill()  # SIGKILL: no finally blocks, no clean-up, as after a crash or power cut
    finally:
        child.join(timeout=30)
        assert not child.is_alive()


def _trials(
    tmp_path: Path,
    context: Any,
    qloop: Any,
    sandbox: Any,
    keychain_kind: str,
    trial_report: Any,
    kind: str,
    records: int = RECORDS,
    trials: int = TRIALS,
) -> None:
    if keychain_kind != "secret-service":
        pytest.skip("the child processes read the credentials from the OS keychain")
    fast_retries(context)
    state, account = sandbox.server.state, sandbox.seed.account_sid
    add = add_messages if kind == "messages" else add_calls
    read_db = db_messages if kind == "messages" else db_calls
    add(state, account, own_numbers(sandbox), records, seed=SEED)
    expected = (emulator_messages if kind == "messages" else emulator_calls)(sandbox)
    pages = -(-len(expected) // 1000)
    # Killed runs read with a little latency per request, as Twilio answers: the sync stores
    # one page while it reads the next, so on loopback a whole run is over in a blink and
    # most kills fell after it. How long a whole run takes here and now: a kill comes up to
    # one page's worth after the pages it waits for.
    sandbox.server.set_latency(KILLED_RUN_LATENCY_S)
    try:
        timed = connect_byo(context, qloop, sandbox, "Timing run")
        began = time.monotonic()
        run(qloop, context.history.sync.start(timed, kind))
        whole = time.monotonic() - began
        rng = random.Random(SEED)
        fell: dict[str, int] = {}
        for trial in range(trials):
            # A new organization on the same account each trial: a first, full run to kill.
            org_id = connect_byo(context, qloop, sandbox, f"Clinic {trial}")
            target = rng.randrange(pages)  # pages to let it commit first
            delay = rng.uniform(0, whole / pages)  # then a moment into the next page
            sandbox.server.set_latency(KILLED_RUN_LATENCY_S)
            _killed_run(tmp_path / str(trial), context, sandbox, org_id, kind, target, delay)
            sandbox.server.set_latency(0)  # the run after the kill: as fast as it goes
            where = _resume_killed(context, qloop, org_id, kind, trial, expected, read_db)
            fell[where] = fell.get(where, 0) + 1
    finally:
        sandbox.server.set_latency(0)
    trial_report(
        f"{kind} sync: {trials} SIGKILL trials over a {whole:.2f} s run of "
        f"{len(expected):,} records at {KILLED_RUN_LATENCY_S * 1000:.0f} ms a request; "
        f"kills fell {dict(sorted(fell.items()))}"
    )
    mid_run = sum(
        n
        for where, n in fell.items()
        if where.endswith("page(s)") and not where.startswith("after 0")
    )
    assert mid_run >= trials // 4, "kills must land between page commits to mean much"


def _resume_killed(
    context: Any, qloop: Any, org_id: int, kind: str, trial: int, expected: Any, read_db: Any
) -> str:
    """Where the kill fell; and the run after it ends with exactly Twilio's records."""
    killed = context.database.sync_checkpoints.latest_run(org_id, kind)
    if not killed:
        where = "before its first page"
    elif all(cp.state == "completed" for cp in killed):
        where = "after the run completed"
    else:
        where = f"after {sum(cp.count('pages') for cp in killed)} page(s)"
    status = run(qloop, context.history.sync.status(org_id, kind))
    try:
        if status.resumable:
            run(qloop, context.history.sync.resume(org_id, kind))
        else:
            run(qloop, context.history.sync.start(org_id, kind))
    except LoquentError as err:
        pytest.fail(f"trial {trial}: the run after the kill failed: {err}")
    assert read_db(context, org_id) == expected, f"trial {trial}"
    latest = context.database.sync_checkpoints.latest_run(org_id, kind)
    assert latest and all(cp.state == "completed" for cp in latest), f"trial {trial}"
    if where != "after the run completed":  # else the last run only re-read the overlap
        total = sum(cp.count("new") for cp in latest)
        assert total == len(expected), f"trial {trial}: counted {total} new"
    return where


@pytest.mark.keychain
@pytest.mark.timeout(300)
def test_killed_message_syncs_resume_to_exactly_twilios_data(
    context, qloop, sandbox, keychain_kind, trial_report, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _trials(tmp_path, context, qloop, sandbox, keychain_kind, trial_report, "messages")


@pytest.mark.keychain
@pytest.mark.timeout(300)
def test_killed_call_syncs_resume_to_exactly_twilios_data(
    context, qloop, sandbox, keychain_kind, trial_report, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _trials(tmp_path, context, qloop, sandbox, keychain_kind, trial_report, "calls")


@pytest.mark.keychain
@pytest.mark.timeout(300)
def test_killed_ranged_message_syncs_resume_to_exactly_twilios_data(
    context, qloop, sandbox, keychain_kind, trial_report, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """12,000 messages: more than `RangePolicy.min_records` after the first page, so each
    run is read as date ranges at once, and kills land while several ranges are open."""
    _trials(tmp_path, context, qloop, sandbox, keychain_kind, trial_report, "messages",
            records=12_000, trials=8)  # fmt: skip
