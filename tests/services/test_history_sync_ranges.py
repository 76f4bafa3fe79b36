"""A large query read as date ranges at once: exactly Twilio's data, each record counted
once, resumable per range after a cancel, and the account's cap halved on 429."""

from __future__ import annotations

from typing import Any

from loquent_desktop.domain.history_records import UpsertCounts
from loquent_desktop.services.account_limits import LimitSettings
from loquent_desktop.services.history_ranges import RangePolicy
from tests.services.test_history_sync import (
    CALLS,
    MESSAGES,
    byo,  # noqa: F401  (fixture)
    cancel_after,
    db_calls,
    db_messages,
    emulator_calls,
    emulator_messages,
    only_reads,
    own_numbers,
    run,
    seed_messages,
)
from tests.support.history import add_calls


def _cut_small(context: Any) -> None:
    """Cut even a few thousand records into ranges (by default only large queries are)."""
    sync = context.history.sync
    sync.range_policy = RangePolicy(min_records=500, per_range=400, max_ranges=6)
    sync.limit_settings = LimitSettings(cap=3, base_delay_s=0.0)
    sync._limiters.clear()


def test_ranges_read_exactly_twilios_messages_once(context, qloop, sandbox, byo) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _cut_small(context)
    seed_messages(sandbox, 4000)
    expected = emulator_messages(sandbox)
    summary = run(qloop, context.history.sync.start(byo, "messages"))
    assert db_messages(context, byo) == expected
    assert summary.counts == UpsertCounts(new=len(expected))
    lists = sandbox.server.requests("GET", MESSAGES)
    assert any("DateSent%3C" in r.path or "DateSent<" in str(r.query) for r in lists)
    assert len(lists) > -(-len(expected) // 1000)  # more, partial pages: it was cut
    assert context.database.sync_checkpoints.ranges.for_step(1, 0) == []  # cleaned up
    only_reads(sandbox)


def test_ranges_of_calls_use_start_time_filters(context, qloop, sandbox, byo) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _cut_small(context)
    add_calls(sandbox.server.state, sandbox.seed.account_sid, own_numbers(sandbox), 4000)
    expected = emulator_calls(sandbox)
    summary = run(qloop, context.history.sync.start(byo, "calls"))
    assert db_calls(context, byo) == expected
    assert summary.counts == UpsertCounts(new=len(expected))
    assert any("StartTime<" in str(r.query) for r in sandbox.server.requests("GET", CALLS))


def test_cancelled_ranges_resume_each_from_its_page(context, qloop, sandbox, byo) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _cut_small(context)
    seed_messages(sandbox, 4000)
    expected = emulator_messages(sandbox)
    cancel_after(qloop, context, byo, "messages", pages=3)
    ranges = context.database.sync_checkpoints.ranges.for_step(1, 0)
    assert ranges and not all(r.done for r in ranges)
    summary = run(qloop, context.history.sync.resume(byo, "messages"))
    assert summary.resumed and db_messages(context, byo) == expected
    assert summary.counts == UpsertCounts(new=len(expected))


def test_a_429_halves_the_accounts_cap(context, qloop, sandbox, byo) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _cut_small(context)
    context.factory.http.retry = context.factory.retry = type(context.factory.retry)(
        max_attempts=1, base_delay_s=0.0, max_delay_s=0.0
    )  # the HTTP client passes 429s on at once
    seed_messages(sandbox, 4000)
    expected = emulator_messages(sandbox)
    sandbox.server.faults.add(f"*{MESSAGES}", "429", count=3, retry_after=0)
    run(qloop, context.history.sync.start(byo, "messages"))
    limiter = context.history.sync.limiter(sandbox.seed.account_sid)
    assert limiter.throttles == 3  # each halved the cap (it grows back after successes)
    assert db_messages(context, byo) == expected
