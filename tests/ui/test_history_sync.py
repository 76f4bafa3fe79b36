"""The history sync controls and the browser, driven through the real widgets on the qasync
loop against the emulator.

What a user would notice: Start fills the tables with exactly the account's messages and
calls, the progress line moves and ends in a summary, Cancel stops and Resume finishes with
the same result as an uninterrupted run, errors are said in words, the filters show the
right rows, the CSV holds what is on screen, and nothing on Twilio ever changes.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt

from loquent_desktop.services.history_export import MESSAGE_CSV_HEADER
from loquent_desktop.ui.gil import FULL_COLLECTIONS_EVERY, JOB_SWITCH_INTERVAL_S
from loquent_desktop.ui.history_sync_view import BAR_STEPS, PROGRESS_EVERY_MS, HistorySyncView
from tests.conftest import wait_until
from tests.services.test_history_sync import (
    MESSAGES,
    assert_flaky_lists_answered,
    db_calls,
    db_messages,
    emulator_calls,
    emulator_messages,
    fast_retries,
    flaky_lists,
    only_reads,
    own_numbers,
    record_purchase,
    seed_messages,
    shared_numbers,
)
from tests.services.test_history_sync import local_time_zone as local_time_zone  # a fixture
from tests.support.history import add_calls


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


class Harness:
    """The Sync tab's history page in the real window: sync controls above the browser."""

    def __init__(self, window: Any) -> None:
        self.tab = window.sync_tab
        self.sync = self.tab.history_sync
        self.browser = self.tab.browser

    async def load(self, org_id: int) -> None:
        await self.sync.load(org_id)
        await self.browser.load(org_id)


@pytest.fixture
def ui(qtbot, qloop, context, sandbox, window) -> tuple[Harness, int]:  # type: ignore[no-untyped-def]
    fast_retries(context)
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    numbers = run(qloop, context.numbers.list_owned(org.id))
    run(qloop, context.numbers.import_numbers(org.id, numbers))
    run(qloop, window.load(org.id))
    harness = Harness(window)
    window.tabs.setCurrentWidget(harness.tab)
    harness.tab.pages.setCurrentWidget(harness.tab.history_page)
    run(qloop, window.tasks.wait_idle())
    run(qloop, harness.load(org.id))
    return harness, int(org.id)


def finish(qloop: Any, view: HistorySyncView, timeout: float = 30) -> None:
    """Until the run ended and what it started (sync state, the browser's reload) is done."""
    run(qloop, wait_until(lambda: not view.running, timeout, "sync finished"))
    run(qloop, view.tasks.wait_idle())
    assert view.status is not None and not view.status.running


def pages_shown(view: HistorySyncView) -> int:
    """The pages the progress line says were read. It shows at most a few reports a second
    (the latest), so it may go from 1 page to 3 without ever saying 2."""
    found = re.search(r"\(([\d,]+) pages?\)", view.progress_label.text())
    return int(found.group(1).replace(",", "")) if found else 0


def start_a_slow_sync(qloop: Any, view: HistorySyncView, sandbox: Any) -> None:
    """Start a message sync that takes a while, and wait for its first page."""
    seed_messages(sandbox, 4200)
    sandbox.server.set_latency(0.15)
    view.start_button.click()
    run(qloop, wait_until(lambda: pages_shown(view) >= 1, 30, "one page"))


def rows(qloop: Any, table: Any) -> list[Any]:
    """Every row that matches, read page by page as scrolling would."""
    run(qloop, table.load_all())
    return table.model.visible_items


def search(qloop: Any, table: Any, text: str) -> None:
    """Type `text` and wait for the table to show (and count) what the database found."""
    table.search.setText(text)
    run(qloop, wait_until(lambda: not table.reading and table.total is not None, 20, text))


def test_start_syncs_messages_and_the_browser_shows_them(ui, qloop, context, sandbox) -> None:  # type: ignore[no-untyped-def]
    harness, org_id = ui
    view, table = harness.sync, harness.browser.messages
    assert "No messages synced yet" in table.empty.text()
    seed_messages(sandbox, 2300)
    expected = emulator_messages(sandbox)
    sandbox.server.clear_log()
    texts: list[str] = []
    original = view._progress
    view._progress = lambda p: (original(p), texts.append(view.progress_label.text()))  # type: ignore[method-assign]

    default_interval, default_thresholds = sys.getswitchinterval(), gc.get_threshold()
    view.start_button.click()
    assert view.running and not view.start_button.isEnabled() and view.cancel_button.isEnabled()
    run(qloop, wait_until(lambda: bool(texts), message="first page"))
    assert sys.getswitchinterval() == JOB_SWITCH_INTERVAL_S  # the window keeps the GIL
    assert gc.get_threshold()[2] == FULL_COLLECTIONS_EVERY  # and no 40 ms full collections
    finish(qloop, view)
    assert sys.getswitchinterval() == default_interval
    assert gc.get_threshold() == default_thresholds

    assert f"{len(expected):,} new" in view.summary.text()
    assert view.bar.value() == BAR_STEPS
    assert texts and "read (1 page)" in texts[0] and "unchanged" in texts[0]
    assert db_messages(context, org_id) == expected
    run(qloop, wait_until(lambda: table.total == len(expected), message="browser"))
    assert table.table.isVisible() and f"{len(expected):,} messages" in table.count_label.text()
    assert len(rows(qloop, table)) == len(expected)  # page by page, as the user scrolls
    assert "Synced up to" in view.state_label.text()
    only_reads(sandbox)


def test_cancel_then_resume_from_the_view(ui, qloop, context, sandbox) -> None:  # type: ignore[no-untyped-def]
    harness, org_id = ui
    view = harness.sync
    seed_messages(sandbox, 5200)
    expected = emulator_messages(sandbox)
    sandbox.server.set_latency(0.15)
    assert not view.resume_button.isVisible()

    view.start_button.click()
    run(qloop, wait_until(lambda: pages_shown(view) >= 2, 30, "two pages"))
    view.cancel_button.click()
    finish(qloop, view)
    assert "Cancelled" in view.progress_label.text()
    run(qloop, wait_until(lambda: "Interrupted on" in view.state_label.text(), message="state"))
    assert "Resume" in view.state_label.text()
    assert view.resume_button.isVisible() and view.resume_button.isEnabled()
    saved = context.database.messages.count(org_id)
    assert 2000 <= saved < len(expected)

    sandbox.server.set_latency(0)
    view.resume_button.click()
    finish(qloop, view)

    assert f"{len(expected):,} new, 0 updated, 0 unchanged" in view.summary.text()
    assert db_messages(context, org_id) == expected
    assert not view.resume_button.isVisible()
    only_reads(sandbox)


def test_selected_numbers_since_a_date(ui, qloop, context, sandbox) -> None:  # type: ignore[no-untyped-def]
    harness, org_id = ui
    view = harness.sync
    seed_messages(sandbox, 600, spread=timedelta(days=60))
    first, second = own_numbers(sandbox)[:2]
    view.selected_radio.click()
    assert not view.start_button.isEnabled()  # nothing chosen yet
    for row in range(view.numbers.count()):
        item = view.numbers.item(row)
        if item.data(Qt.ItemDataRole.UserRole) in (first, second):
            item.setCheckState(Qt.CheckState.Checked)
    view.since_check.setChecked(True)
    since = datetime.now(UTC).date() - timedelta(days=20)
    view.since_date.setDate(QDate(since.year, since.month, since.day))
    sandbox.server.clear_log()

    view.start_button.click()
    finish(qloop, view)

    sent = sandbox.server.requests("GET", MESSAGES)
    assert {(r.query.get("To"), r.query.get("From")) for r in sent} == {
        (first, None), (None, first), (second, None), (None, second),
    }  # fmt: skip
    assert all(r.query["DateSent>"] == since.isoformat() for r in sent)
    cutoff = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    expected = {
        s: m
        for s, m in emulator_messages(sandbox).items()
        if (m[0] in (first, second) or m[1] in (first, second)) and m[-1] >= cutoff
    }
    assert db_messages(context, org_id) == expected
    assert f"{len(expected):,} new" in view.summary.text()


def test_calls_report_imported_and_skipped(ui, qloop, context, sandbox) -> None:  # type: ignore[no-untyped-def]
    harness, org_id = ui
    view = harness.sync
    add_calls(sandbox.server.state, sandbox.seed.account_sid, own_numbers(sandbox), 900)
    expected = emulator_calls(sandbox)
    view.calls_radio.click()
    run(qloop, wait_until(lambda: "No calls synced yet" in view.state_label.text()))

    view.start_button.click()
    finish(qloop, view)
    assert f"{len(expected):,} imported, 0 skipped" in view.summary.text()
    view.since_check.setChecked(True)
    view.since_date.setDate(QDate(2020, 1, 1))
    view.start_button.click()
    finish(qloop, view)
    assert f"0 imported, {len(expected):,} skipped" in view.summary.text()
    assert db_calls(context, org_id) == expected
    calls = harness.browser.calls
    run(qloop, wait_until(lambda: calls.total == len(expected), 30, "calls"))
    only_reads(sandbox)


def test_an_error_is_said_in_words_and_resume_finishes(ui, qloop, context, sandbox) -> None:  # type: ignore[no-untyped-def]
    harness, org_id = ui
    view = harness.sync
    seed_messages(sandbox, 2100)
    expected = emulator_messages(sandbox)
    sandbox.server.faults.add(f"*{MESSAGES}", kind="500", count=4)

    view.start_button.click()
    finish(qloop, view)

    assert "Twilio had a server problem" in view.error.text()
    assert "Resume continues" in view.error.text()
    assert view.resume_button.isEnabled()
    view.resume_button.click()
    finish(qloop, view)
    assert not view.error.isVisible()
    assert db_messages(context, org_id) == expected


def test_browse_filters_search_and_csv(ui, qloop, context, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    harness, org_id = ui
    seed_messages(sandbox, 700, spread=timedelta(days=40))
    harness.sync.start_button.click()
    finish(qloop, harness.sync)
    table = harness.browser.messages
    total = context.database.messages.count(org_id)
    run(qloop, wait_until(lambda: table.total == total, message="loaded"))
    assert table.model.data(table.model.index(0, 0)) >= table.model.data(table.model.index(1, 0))

    synced = context.database.messages.all_for_org(org_id)

    def shown(direction: str | None, status: str | None) -> int:
        table.direction.setCurrentIndex(table.direction.findData(direction))
        table.status.setCurrentIndex(table.status.findData(status))
        expected = [
            m.sid for m in synced
            if (direction is None or (m.direction or "").startswith(direction))
            and (status is None or m.status == status)
        ]  # fmt: skip
        run(qloop, wait_until(lambda: table.total == len(expected) and not table.reading))
        assert sorted(m.sid for m in rows(qloop, table)) == sorted(expected)
        return len(expected)

    inbound = shown("inbound", None)
    delivered = shown(None, "delivered")  # outbound only: inbound texts are "received"
    failed_out = shown("outbound", "failed")
    assert all(0 < count < total for count in (inbound, delivered, failed_out))
    assert shown("inbound", "delivered") == 0
    assert "No messages match these filters" in table.empty.text()
    table.direction.setCurrentIndex(0)
    table.status.setCurrentIndex(0)
    week_ago = datetime.now().date() - timedelta(days=7)
    table.from_date.setDate(QDate(week_ago.year, week_ago.month, week_ago.day))
    table.from_check.setChecked(True)

    def last_week() -> bool:
        items = table.model.items
        return 0 < len(items) <= (table.total or 0) < total and all(
            m.date_sent.astimezone().date() >= week_ago for m in items
        )

    run(qloop, wait_until(last_week, message="date filter"))
    assert inbound < total

    # Search by number however it is typed, and by text.
    sample = rows(qloop, table)[0]
    number = sample.from_number
    search(qloop, table, f"({number[2:5]}) {number[5:8]}-{number[8:]}")
    found = rows(qloop, table)
    assert found and all(number in (m.from_number, m.to_number) for m in found)
    search(qloop, table, "HYPERLINK")
    shown = rows(qloop, table)
    assert shown and all("HYPERLINK" in (m.body or "") for m in shown)

    path = tmp_path / "messages.csv"
    assert run(qloop, table.save_csv(path))
    with path.open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert tuple(written[0]) == MESSAGE_CSV_HEADER
    assert [r[0] for r in written[1:]] == [m.sid for m in shown]
    assert all(r[6].startswith("'=HYPERLINK") for r in written[1:])  # formula neutralized
    assert all(r[3].startswith("+") and not r[3].startswith("'") for r in written[1:])
    prices = [r[9] for r in written[1:]]  # negative, as Twilio bills: numbers, not formulas
    assert prices and all(
        p == m.price and p.startswith("-0.00") for p, m in zip(prices, shown, strict=True)
    )

    search(qloop, table, "no such message anywhere")
    assert "No message matches" in table.empty.text() and not table.table.isVisible()
    assert not table.export_button.isEnabled()


def test_429s_and_dropped_connections_during_a_sync_from_the_window(  # type: ignore[no-untyped-def]
    ui, qloop, context, sandbox
) -> None:
    harness, org_id = ui
    view = harness.sync
    seed_messages(sandbox, 2600)
    expected = emulator_messages(sandbox)
    more_faults, original = flaky_lists(sandbox), view._progress
    view._progress = lambda p: (original(p), more_faults(p))  # type: ignore[method-assign]

    view.start_button.click()
    finish(qloop, view)

    assert not view.error.text()
    assert f"{len(expected):,} new, 0 updated, 0 unchanged." in view.summary.text()
    assert db_messages(context, org_id) == expected
    assert_flaky_lists_answered(sandbox)
    assert not view.resume_button.isVisible()
    only_reads(sandbox)


def test_only_since_a_local_day_starts_at_its_local_midnight(  # type: ignore[no-untyped-def]
    ui, qloop, sandbox, local_time_zone
) -> None:
    """East of UTC the chosen day starts on the UTC day before: that day is read too."""
    harness, _org_id = ui
    view = harness.sync
    local_time_zone("Pacific/Auckland")
    day = date(2026, 5, 10)
    view.since_check.setChecked(True)
    view.since_date.setDate(QDate(day.year, day.month, day.day))
    sandbox.server.clear_log()

    view.start_button.click()
    finish(qloop, view)

    sent = sandbox.server.requests("GET", MESSAGES)
    assert sent and all(r.query["DateSent>"] == "2026-05-09" for r in sent)


def test_a_slow_load_of_the_previous_organization_does_not_fill_the_list(  # type: ignore[no-untyped-def]
    ui, qloop, context, sandbox
) -> None:
    harness, org_id = ui
    view = harness.sync
    other = run(qloop, context.organizations.add("Other clinic"))
    theirs = shared_numbers(sandbox)[0]
    record_purchase(context, other.id, theirs, None)
    real = view.sync.numbers

    async def numbers(org: int) -> Any:
        if org == org_id:
            await asyncio.sleep(0.3)  # the first organization's numbers come back last
        return await real(org)

    view.sync.numbers = numbers  # type: ignore[method-assign]

    async def switch() -> None:
        await view.load(None)
        first = asyncio.ensure_future(view.load(org_id))
        await asyncio.sleep(0.05)
        await view.load(other.id)
        await first

    run(qloop, switch())

    listed = [
        view.numbers.item(i).data(Qt.ItemDataRole.UserRole) for i in range(view.numbers.count())
    ]
    assert listed == [theirs]
    assert view.org_id == other.id


def test_switching_organization_mid_sync_says_nothing_under_the_new_one(  # type: ignore[no-untyped-def]
    ui, qloop, context, sandbox
) -> None:
    harness, org_id = ui
    view = harness.sync
    other = run(qloop, context.organizations.add("Other clinic"))
    start_a_slow_sync(qloop, view, sandbox)

    run(qloop, view.load(other.id))
    finish(qloop, view)

    assert view.org_id == other.id
    assert "Cancelled" not in view.progress_label.text() and not view.summary.text()
    assert not view.resume_button.isVisible()
    assert "Interrupted" not in view.state_label.text()
    # Back on the first organization, its run is there to resume.
    sandbox.server.set_latency(0)
    run(qloop, view.load(org_id))
    assert view.resume_button.isVisible() and "Interrupted on" in view.state_label.text()


def test_closing_mid_sync_starts_nothing_after_the_tasks_were_cancelled(  # type: ignore[no-untyped-def]
    ui, qloop, context, sandbox, window
) -> None:
    harness, org_id = ui
    view = harness.sync
    start_a_slow_sync(qloop, view, sandbox)

    run(qloop, window.tasks.cancel_all())  # what MainWindow.shutdown does before closing

    assert window.tasks.running == 0  # nothing left to touch a closed database
    assert context.database.sync_checkpoints.get(org_id, "messages", "all").state == ("interrupted")


def test_a_view_deleted_while_its_work_awaits_is_left_alone(  # type: ignore[no-untyped-def]
    ui, qloop, context, sandbox, window
) -> None:
    _harness, org_id = ui
    seed_messages(sandbox, 2600)
    sandbox.server.set_latency(0.05)
    view = HistorySyncView(context.history.sync, window.tasks)

    async def delete_while_loading(view: HistorySyncView) -> None:
        loading = asyncio.ensure_future(view.load(org_id))
        await asyncio.sleep(0)  # the load now waits for the database
        shiboken6.delete(view)
        await loading  # no "Internal C++ object already deleted"

    run(qloop, delete_while_loading(view))

    view = HistorySyncView(context.history.sync, window.tasks)
    run(qloop, view.load(org_id))
    view.start_button.click()
    task = view._task
    assert task is not None
    run(qloop, wait_until(lambda: pages_shown(view) >= 1, 30, "one page"))
    shiboken6.delete(view)
    summary = run(qloop, task)

    assert summary.counts.new == context.database.messages.count(org_id)
    run(qloop, window.tasks.wait_idle())


def test_progress_line_shows_the_latest_report_a_few_times_a_second(ui, qloop) -> None:  # type: ignore[no-untyped-def]
    from loquent_desktop.domain.history_records import UpsertCounts
    from loquent_desktop.services.sync_progress import SyncProgress

    harness, _org_id = ui
    view = harness.sync

    def report(pages: int) -> SyncProgress:
        counts = UpsertCounts(new=pages * 1000)
        return SyncProgress("messages", counts, pages, "all messages", None, 0.0, None)

    view._progress(report(1))
    assert pages_shown(view) == 1  # the first report at once
    view._progress(report(2))
    view._progress(report(3))
    assert pages_shown(view) == 1  # the next ones wait their turn…
    run(qloop, wait_until(lambda: pages_shown(view) == 3, 5, "the latest report"))
    view._progress(report(4))
    view._forget_progress()  # …and a run that ended drops what still waits
    run(qloop, asyncio.sleep(PROGRESS_EVERY_MS / 1000 * 2))
    assert pages_shown(view) == 3
