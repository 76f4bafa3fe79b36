"""The Sync tab's history browser in the real window: rows read a page at a time as the
view scrolls (never capped), an exact count, sorting by time in the database, and the
Calls table's mark on calls with recordings, which a double-click opens on the
Recordings tab.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from loquent_desktop.domain.history_records import HistoryQuery
from loquent_desktop.ui.models.calls_model import RECORDED, RECORDED_MARK
from loquent_desktop.ui.models.history_model import WHEN
from tests.conftest import wait_until
from tests.support.history import twilio_message


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def show_history(window: Any, qloop: Any, org_id: int) -> Any:
    run(qloop, window.load(org_id))
    window.select_tab("sync")
    tab = window.sync_tab
    tab.pages.setCurrentWidget(tab.history_page)
    run(qloop, window.tasks.wait_idle())
    return tab.browser


def test_rows_arrive_page_by_page_as_the_view_scrolls(window, qloop, context) -> None:  # type: ignore[no-untyped-def]
    org = run(qloop, context.organizations.add("Northwind"))
    total = 2 * HistoryQuery.limit + 77
    context.database.messages.upsert_many(org.id, [twilio_message(i) for i in range(total)])
    table = show_history(window, qloop, org.id).messages
    run(qloop, wait_until(lambda: table.total == total and not table.reading, 20, "count"))
    model = table.model
    assert model.rowCount() == HistoryQuery.limit and model.canFetchMore()
    assert f"{total:,} messages ({HistoryQuery.limit:,} loaded; scroll" in table.count_label.text()

    for _ in range(10):  # the view asks for more each time it reaches the last row
        if not model.canFetchMore() and not model.fetching:
            break
        rows = model.rowCount()
        table.table.scrollToBottom()
        run(qloop, wait_until(lambda r=rows: model.rowCount() > r, 20, "next page"))
    sids = [m.sid for m in model.items]
    assert sids == [twilio_message(i)["sid"] for i in range(total)]  # newest first, once each
    assert not model.canFetchMore() and table.count_label.text() == f"{total:,} messages"

    # Sorting by time asks the database (oldest first); other columns keep time order.
    table.table.sortByColumn(WHEN, Qt.SortOrder.AscendingOrder)
    run(qloop, wait_until(lambda: not table.reading and model.items[0].sid == sids[-1], 20))
    assert model.rowCount() == HistoryQuery.limit and table.total == total
    table.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # "From": no such sort
    header = table.table.horizontalHeader()
    assert header.sortIndicatorSection() == WHEN
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder


def test_recorded_calls_are_marked_and_open_their_recordings(  # type: ignore[no-untyped-def]
    window, qloop, context, sandbox, qtbot
) -> None:
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    run(qloop, context.history.sync.start(org.id, "calls"))
    run(qloop, window.load(org.id))
    window.select_tab("recordings")
    recordings = window.recordings_tab.recordings
    run(qloop, window.tasks.wait_idle())
    recordings.sync_button.click()
    run(qloop, wait_until(lambda: not recordings.syncing and recordings.model.rowCount() == 10, 20))
    recorded = {r.recording.call_sid for r in recordings.all_rows if r.recording.call_sid}

    browser = show_history(window, qloop, org.id)
    calls = browser.calls
    browser.pages.setCurrentWidget(calls)
    run(qloop, wait_until(lambda: calls.total is not None and not calls.reading, 20, "calls"))
    run(qloop, calls.load_all())
    model = calls.model
    marked = {
        model.item_at(row).sid
        for row in range(model.rowCount())
        if model.index(row, RECORDED).data() == RECORDED_MARK
    }
    synced = {c.sid for c in model.items}
    assert marked and marked == recorded & synced
    assert {m.sid for m in model.items} - marked  # and calls without one are not marked

    row = next(r for r in range(model.rowCount()) if model.item_at(r).sid in marked)
    sid = model.item_at(row).sid
    calls.table.scrollTo(model.index(row, RECORDED))
    rect = calls.table.visualRect(model.index(row, RECORDED))
    # A press first: an item view acts on a double-click on the row it was pressed on.
    qtbot.mouseClick(calls.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(calls.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is window.recordings_tab
    assert window.recordings_tab.pages.currentWidget() is recordings
    assert recordings.search.text() == sid
    shown = recordings.shown_sids()
    mine = {r.recording.sid for r in recordings.all_rows if r.recording.call_sid == sid}
    assert shown and set(shown) == mine
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []
