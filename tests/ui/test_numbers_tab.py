"""The Numbers tab driven through the real window against the emulator.

What a user would notice: the owned list with who answers each number, a filter and sorting
that work, Refresh and Search that never change the account, a purchase that shows its cost
and Voice URL before anything is sent (and happens once), an import that copies without
touching Twilio, a CSV of what is on screen, and clear words instead of crashes.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from loquent_desktop.domain.validation import format_phone
from loquent_desktop.services.number_export import CSV_HEADER
from loquent_desktop.settings import DEFAULT_VOICE_URL
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.dialogs.import_numbers import ImportNumbersDialog
from loquent_desktop.ui.models.owned_numbers_model import ANSWERS, IMPORTED, NAME, NUMBER
from tests.conftest import wait_until
from tests.services.test_numbers_service import fail_local_inserts

IPN = "IncomingPhoneNumbers"
SEEDED = 25  # the `sandbox` fixture's demo account


# -- helpers -------------------------------------------------------------------------------


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def writes(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.server.requests() if r.method in ("POST", "DELETE")]


def owned_in_emulator(sandbox: Any, phone: str) -> list[Any]:
    with sandbox.server.state.lock:
        return [n for n in sandbox.server.state.numbers.values() if n.phone_number == phone]


def wait_loaded(qloop: Any, view: Any) -> None:
    run(qloop, wait_until(lambda: view._load_task is None and not view.stale, message="load"))


def open_numbers(window: Any, qloop: Any, context: Any, sandbox: Any, name: str = "Northwind"):  # type: ignore[no-untyped-def]
    """Connect an organization to the demo account, select it and show the Numbers tab."""
    org = run(qloop, context.organizations.add(name))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    run(qloop, window.load(org.id))
    window.tabs.setCurrentWidget(window.numbers_tab)
    wait_loaded(qloop, window.numbers_tab.owned)
    return org


def add_shared_org(qloop: Any, context: Any, sandbox: Any) -> Any:
    async def add() -> Any:
        await context.connection.connect_shared(sandbox.shared_credentials)
        return await context.organizations.add("Shared Clinic")

    return run(qloop, add())


def record_shared_number(context: Any, sandbox: Any, org: Any) -> str:
    """One of the shared account's three numbers was bought for `org` (the other two are
    other customers')."""
    with sandbox.server.state.lock:
        ours = next(
            n for n in sandbox.server.state.numbers.values() if n.phone_number.startswith("+1833")
        )
    context.database.phone_numbers.upsert_many(
        org.id, [{"sid": ours.sid, "phone_number": ours.phone_number}], "purchased"
    )
    return str(ours.phone_number)


def column(view: Any, col: int) -> list[str]:
    model = view.model
    return [model.data(model.index(row, col)) for row in range(model.rowCount())]


def row_of(view: Any, col: int, predicate: Any) -> int:
    return next(i for i, text in enumerate(column(view, col)) if predicate(text))


def click_header(view: Any, col: int) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


async def dialog_of(kind: type) -> Any:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), kind), message=kind)
    return QApplication.activeModalWidget()


def open_search(window: Any, qloop: Any) -> Any:
    tab = window.numbers_tab
    tab.pages.setCurrentWidget(tab.search)
    search = tab.search
    run(qloop, wait_until(lambda: "Choose what" in search.message.text(), message="countries"))
    return search


def search_for(qloop: Any, search: Any, **fields: str) -> None:
    for name, text in fields.items():
        getattr(search, name).setText(text)
    search.search_button.click()
    run(qloop, wait_until(lambda: search.search_button.isEnabled(), message="search done"))


def rendered(label: Any) -> str:
    """A label's text as the user reads it (rich text rendered, entities decoded)."""
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


def plan_rows(dialog: ConfirmPlanDialog) -> list[tuple[str, ...]]:
    table = dialog.changes
    return [
        tuple(table.item(r, c).text() for c in range(table.columnCount()))
        for r in range(table.rowCount())
    ]


def buy_first(qloop: Any, search: Any, answer: str) -> tuple[str, list[tuple[str, ...]], str]:
    """Select the first result, press Buy, read the confirmation dialog and answer it."""
    phone = search.model.item_at(0).phone_number
    search.table.selectRow(0)

    async def scenario() -> tuple[list[tuple[str, ...]], str]:
        search.buy_button.click()
        dialog = await dialog_of(ConfirmPlanDialog)
        shown = plan_rows(dialog), rendered(dialog.cost)
        (dialog.cancel_button if answer == "cancel" else dialog.confirm_button).click()
        await wait_until(lambda: bool(search.result.text() or search.error.text()))
        return shown

    rows, cost = run(qloop, scenario())
    return phone, rows, cost


# -- the owned list ------------------------------------------------------------------------


def test_owned_list_fills_and_says_who_answers(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned

    assert view.model.rowCount() == SEEDED
    assert view.table.isVisible() and not view.empty.isVisible()
    assert view.count_label.text() == f"{SEEDED} numbers"
    assert view.refreshed_label.text().startswith("Last refreshed")

    answers = column(view, ANSWERS)
    trunk = f"SIP trunk TK…{sandbox.seed.trunk_sid[-4:]}"
    app = f"TwiML app AP…{sandbox.seed.application_sid[-4:]}"
    assert answers.count(trunk) == 1 and answers.count(app) == 1
    foreign = [a for a in answers if a.startswith("https://")]
    assert foreign and all("loquent" not in a for a in foreign)
    assert "Loquent" not in answers  # nothing routed to Loquent yet
    trunk_row = answers.index(trunk)
    tip = view.model.data(view.model.index(trunk_row, ANSWERS), Qt.ItemDataRole.ToolTipRole)
    assert "Twilio ignores the number's Voice URL" in tip
    assert set(column(view, IMPORTED)) == {"Not imported"}


def test_filter_narrows_rows_and_explains_an_empty_result(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned

    view.filter.setText("+1 206")
    numbers = column(view, NUMBER)
    assert numbers and all(n.startswith("+1 206") for n in numbers)
    assert view.count_label.text() == f"Showing {len(numbers)} of {SEEDED} numbers"

    view.filter.setText("no such thing")
    assert view.model.rowCount() == 0
    assert view.empty.isVisible() and not view.table.isVisible()
    assert view.empty.text() == "No number matches “no such thing”."
    assert not view.export_button.isEnabled()

    view.filter.clear()
    assert view.model.rowCount() == SEEDED and view.table.isVisible()
    assert view.count_label.text() == f"{SEEDED} numbers"


def test_clicking_a_header_sorts_by_that_column(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    e164 = [n.phone_number for n in view.model.visible_items]
    assert e164 == sorted(e164)  # by number at first

    click_header(view, NAME)
    names = column(view, NAME)
    assert names == sorted(names, key=str.lower) and names != column(view, NAME)[::-1]
    click_header(view, NAME)
    assert column(view, NAME) == sorted(names, key=str.lower, reverse=True)
    assert view.table.horizontalHeader().sortIndicatorSection() == NAME


def test_refresh_reads_again_and_changes_nothing(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    sandbox.server.clear_log()

    view.refresh_button.click()
    view.refresh_button.click()  # an impatient second click starts no second read
    run(qloop, wait_until(lambda: view._load_task is None, message="refresh"))

    assert view.model.rowCount() == SEEDED
    assert len(sandbox.server.requests("GET", IPN)) == 1
    assert writes(sandbox) == []


# -- search --------------------------------------------------------------------------------


def test_search_with_filters_fills_results_and_mentions_the_cap(
    window, qloop, context, sandbox
) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    assert search.country.currentData() == "US"
    search.sms.setChecked(True)
    sandbox.server.clear_log()

    search_for(qloop, search, area_code="415")

    assert search.model.rowCount() == 30
    assert all(n.startswith("+1 415") for n in column(search, 0))
    assert "30 numbers found" in search.message.text()
    assert "at most 30" in search.message.text()
    (sent,) = sandbox.server.requests("GET", "AvailablePhoneNumbers/US/Local")
    assert sent.query["AreaCode"] == "415"
    assert sent.query["VoiceEnabled"] == "true" and sent.query["SmsEnabled"] == "true"
    assert "MmsEnabled" not in sent.query
    assert writes(sandbox) == []


def test_search_without_results_says_what_to_try(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    sandbox.server.clear_log()

    search_for(qloop, search, area_code="415", contains="99999999")

    assert search.model.rowCount() == 0
    assert "0 numbers found" in search.message.text()
    assert "Twilio has no local numbers in US" in search.message.text()
    assert "the pattern “99999999”" in search.message.text()
    (sent,) = sandbox.server.requests("GET", "AvailablePhoneNumbers")
    assert sent.query["Contains"] == "99999999"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"contains": "!!"}, "only digits, letters and *"),
        ({"near_number": "abc"}, "Near number: 'abc' is not a phone number"),
        ({"area_code": "(415)"}, "digits only"),
    ],
)
def test_invalid_search_input_is_explained_and_sends_nothing(
    window, qloop, context, sandbox, fields, words
) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    window.activateWindow()
    run(qloop, wait_until(window.isActiveWindow, message="window active"))
    search.search_button.setFocus()  # where a click leaves it
    sandbox.server.clear_log()

    for name, text in fields.items():
        getattr(search, name).setText(text)
    search.search_button.click()
    run(qloop, wait_until(lambda: bool(search.error.text()), message="input error"))

    assert words in search.error.text() and search.error.isVisible()
    run(qloop, wait_until(search.search_button.isEnabled, message="search enabled"))
    (name,) = fields
    assert QApplication.focusWidget() is getattr(search, name)  # ready to correct
    run(qloop, asyncio.sleep(0.1))
    assert sandbox.server.requests() == []


# -- buying --------------------------------------------------------------------------------


def test_buy_cancelled_shows_the_plan_and_sends_nothing(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    sandbox.server.clear_log()

    phone, rows, cost = buy_first(qloop, search, "cancel")

    assert any(format_phone(phone) in row[0] for row in rows)
    assert ("Voice URL", DEFAULT_VOICE_URL) in [(row[1], row[3]) for row in rows]
    assert "organization's own Twilio account" in cost and "monthly fee" in cost
    assert sandbox.seed.account_sid[-4:] in cost and sandbox.seed.account_sid not in cost
    assert search.result.text().startswith("Cancelled")
    assert writes(sandbox) == []
    assert owned_in_emulator(sandbox, phone) == []


def test_buy_confirmed_owns_the_number_with_loquent_voice_url(
    window, qloop, context, sandbox
) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    sandbox.server.clear_log()

    phone, _rows, _cost = buy_first(qloop, search, "confirm")

    (post,) = writes(sandbox)
    assert post.method == "POST" and post.path.endswith(f"{IPN}.json")
    assert post.form["PhoneNumber"] == phone and post.form["VoiceUrl"] == DEFAULT_VOICE_URL
    (owned,) = owned_in_emulator(sandbox, phone)
    assert owned.voice_url == DEFAULT_VOICE_URL
    assert search.result.text().startswith(f"Bought {format_phone(phone)}")
    assert DEFAULT_VOICE_URL in search.result.text()
    assert phone not in [n.phone_number for n in search.model.items]  # no second buy

    # Back on the owned list, the new number is there and reaches Loquent.
    tab = window.numbers_tab
    tab.pages.setCurrentWidget(tab.owned)
    wait_loaded(qloop, tab.owned)
    assert tab.owned.model.rowCount() == SEEDED + 1
    row = row_of(tab.owned, NUMBER, lambda t: t == format_phone(phone))
    assert tab.owned.model.data(tab.owned.model.index(row, ANSWERS)) == "Loquent"

    window.tabs.setCurrentWidget(window.journal_tab)
    history = window.journal_tab.model
    run(qloop, wait_until(lambda: history.rowCount() == 1, message="history"))
    assert history.data(history.index(0, 2)) == f"Buy {format_phone(phone)}"
    assert history.data(history.index(0, 3)) == "succeeded"


def test_buy_whose_answer_is_lost_buys_exactly_one_number(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "drop_after", count=1, method="POST")

    phone, _rows, _cost = buy_first(qloop, search, "confirm")

    assert len(sandbox.server.requests("POST", IPN)) == 1
    assert len(owned_in_emulator(sandbox, phone)) == 1
    assert search.result.text().startswith(f"Bought {format_phone(phone)}")
    assert search.error.text() == ""


def test_buy_stays_disabled_while_a_purchase_runs(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "latency", latency=1.0, method="POST")
    phone = search.model.item_at(0).phone_number
    search.table.selectRow(0)

    async def scenario() -> tuple[bool, Any]:
        search.buy_button.click()
        (await dialog_of(ConfirmPlanDialog)).confirm_button.click()
        await wait_until(lambda: QApplication.activeModalWidget() is None, message="closed")
        search.table.selectRow(1)  # the user looks at another number meanwhile...
        enabled = search.buy_button.isEnabled()
        search.table.selectRow(0)
        search.buy_button.click()  # ...or presses Buy again on the same one
        search.table.doubleClicked.emit(search.model.index(0, 0))
        await asyncio.sleep(0.2)
        second = QApplication.activeModalWidget()
        await wait_until(lambda: bool(search.result.text()), message="bought")
        return enabled, second

    enabled_meanwhile, second_dialog = run(qloop, scenario())

    assert not enabled_meanwhile and second_dialog is None
    assert len(sandbox.server.requests("POST", IPN)) == 1
    assert len(owned_in_emulator(sandbox, phone)) == 1
    assert phone not in [n.phone_number for n in search.model.items]
    search.table.selectRow(0)
    assert search.buy_button.isEnabled()  # another number, and nothing runs any more


def test_purchase_ending_after_an_org_switch_is_told_in_the_status_bar(
    window, qloop, context, sandbox
) -> None:
    shared = add_shared_org(qloop, context, sandbox)
    other = open_numbers(window, qloop, context, sandbox, "Northwind")  # BYO: Import helps
    run(qloop, window.load(shared.id))
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    fail_local_inserts(context)
    sandbox.server.faults.add(f"*{IPN}.json", "latency", latency=1.0, method="POST")
    phone = search.model.item_at(0).phone_number
    search.table.selectRow(0)

    async def scenario() -> None:
        search.buy_button.click()
        (await dialog_of(ConfirmPlanDialog)).confirm_button.click()
        await wait_until(lambda: QApplication.activeModalWidget() is None, message="closed")
        await window.load(other.id)  # while Twilio is still answering
        await wait_until(lambda: "Bought" in window.statusBar().currentMessage(), message="told")

    run(qloop, scenario())

    told = window.statusBar().currentMessage()
    assert told.startswith(f"Shared Clinic: Bought {format_phone(phone)}")
    assert told.endswith("ask Loquent support to record it for this organization.")
    assert search.org is not None and search.org.id == other.id
    assert search.result.text() == "" and search.error.text() == ""  # Northwind's page


def test_purchase_invalidates_an_owned_load_already_running(
    window, qloop, context, sandbox
) -> None:
    open_numbers(window, qloop, context, sandbox)
    tab = window.numbers_tab
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    sandbox.server.clear_log()
    # A refresh of the owned list is still reading when the purchase completes.
    sandbox.server.faults.add(f"*{IPN}.json", "latency", latency=2.0, method="GET")
    tab.owned.refresh()

    phone, _rows, _cost = buy_first(qloop, search, "confirm")
    assert tab.owned._load_task is not None  # the read started before the purchase
    run(qloop, wait_until(lambda: tab.owned._load_task is None, message="slow load"))

    assert tab.owned.stale  # what it read may predate the purchase
    tab.pages.setCurrentWidget(tab.owned)
    wait_loaded(qloop, tab.owned)
    assert format_phone(phone) in column(tab.owned, NUMBER)
    reads = [r for r in sandbox.server.requests("GET", IPN) if "PhoneNumber" not in r.query]
    assert len(reads) == 2


def test_shared_account_change_drops_what_shared_orgs_saw(window, qloop, context, sandbox) -> None:
    shared = add_shared_org(qloop, context, sandbox)
    ours = record_shared_number(context, sandbox, shared)
    run(qloop, window.load(shared.id))
    window.tabs.setCurrentWidget(window.numbers_tab)
    tab = window.numbers_tab
    wait_loaded(qloop, tab.owned)
    assert column(tab.owned, NUMBER) == [format_phone(ours)]
    search = open_search(window, qloop)
    assert search.country.count() > 0
    tab.pages.setCurrentWidget(tab.owned)

    run(qloop, context.connection.forget_shared())
    tab.shared_account_changed()  # what SharedAccountBox.changed triggers

    assert tab.owned.model.rowCount() == 0  # the old account's numbers are gone at once
    assert search.country.count() == 0 and search._loaded_for is None
    run(qloop, wait_until(lambda: bool(tab.owned.error.text()), message="reload fails"))
    assert "shared" in tab.owned.error.text().lower()


# -- import and export ---------------------------------------------------------------------


def select_rows(dialog: ImportNumbersDialog, rows: list[int]) -> None:
    from PySide6.QtCore import QItemSelectionModel

    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        dialog.table.selectionModel().select(dialog.model.index(row, 0), flags)


def test_import_copies_selected_numbers_without_touching_twilio(
    window, qloop, context, sandbox
) -> None:
    org = open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    sandbox.server.clear_log()

    async def scenario() -> tuple[str, str, list[str]]:
        view.import_button.click()
        dialog = await dialog_of(ImportNumbersDialog)
        await wait_until(lambda: dialog.model.rowCount() == SEEDED, message="not imported")
        assert dialog.status.text() == f"{SEEDED} numbers are not in Loquent yet."
        select_rows(dialog, [0, 1, 2])
        button = dialog.import_button.text()
        chosen = [n.sid for n in dialog.selected]
        # Meanwhile someone else (another computer, same database) imports one of them.
        await context.numbers.import_numbers(org.id, [dialog.selected[0]])
        dialog.import_button.click()
        await wait_until(lambda: bool(dialog.result_label.text()), message="import result")
        result = dialog.result_label.text()
        assert dialog.model.rowCount() == SEEDED - 3
        dialog.reject()
        return button, result, chosen

    button, result, chosen = run(qloop, scenario())

    assert button == "Import selected (3)"
    assert result == "2 imported, 1 already existed."
    assert writes(sandbox) == []
    assert run(qloop, context.numbers.imported_sids(org.id)) == set(chosen)
    shown = zip(view.model.visible_items, column(view, IMPORTED), strict=True)
    statuses = {n.sid: status for n, status in shown}
    assert all(statuses[sid] == "Imported · no Loquent calls yet" for sid in chosen)
    assert sum(s == "Not imported" for s in statuses.values()) == SEEDED - 3


def test_csv_export_writes_the_rows_on_screen(window, qloop, context, sandbox, tmp_path) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    view.filter.setText("+1 415")
    shown = [n.phone_number for n in view.model.visible_items]
    assert 0 < len(shown) < SEEDED
    path = Path(tmp_path) / "numbers.csv"

    written = run(qloop, view.write_csv(path))

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert written == len(rows) == len(shown)
    assert list(rows[0].keys()) == list(CSV_HEADER)
    assert [r["phone_number"] for r in rows] == shown  # same rows, same order
    app = f"TwiML app AP…{sandbox.seed.application_sid[-4:]}"
    assert any(r["who_answers"] == app for r in rows)  # the seeded TwiML number is +1 415
    assert {r["imported"] for r in rows} == {"no"}


# -- organizations -------------------------------------------------------------------------


def test_byo_org_without_credentials_shows_an_error_not_a_crash(
    window, qloop, context, sandbox
) -> None:
    org = run(qloop, context.organizations.add("Unconnected BYO"))
    run(qloop, context.organizations.set_mode(org.id, True))
    run(qloop, window.load(org.id))
    sandbox.server.clear_log()

    window.tabs.setCurrentWidget(window.numbers_tab)
    view = window.numbers_tab.owned
    run(qloop, wait_until(lambda: bool(view.error.text()), message="error shown"))
    run(qloop, wait_until(lambda: view._load_task is None))

    assert "never used" in view.error.text()
    assert view.error.isVisible()
    assert view.empty.text().startswith("The numbers could not be read")
    assert view.refresh_button.isEnabled()
    assert QApplication.activeModalWidget() is None  # no stray error box
    assert sandbox.server.requests() == []


def test_switching_organization_clears_and_reloads(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox, "Northwind")
    view = window.numbers_tab.owned

    shared = add_shared_org(qloop, context, sandbox)
    ours = record_shared_number(context, sandbox, shared)
    run(qloop, window.credentials_tab.load())
    credentials = window.credentials_tab
    row = next(
        i
        for i in range(credentials.org_list.count())
        if credentials.org_list.item(i).data(Qt.ItemDataRole.UserRole).id == shared.id
    )
    shown: list[str] = []
    view.progress.update_text = shown.append  # type: ignore[method-assign]
    credentials.org_list.setCurrentRow(row)  # the Numbers tab stays in front

    wait_loaded(qloop, view)
    # Progress counts what is read of the shared account, not as if it all were this org's.
    assert shown == [
        "Reading Loquent's shared account… 3 numbers checked, 1 of them Shared Clinic's"
    ]
    # Shared mode: only this organization's number, never the other customers' two.
    assert view.model.rowCount() == 1
    assert column(view, NUMBER) == [format_phone(ours)]
    assert view.count_label.text() == "1 numbers"
    assert view.shared_note.isVisible()
    assert "only this organization's are shown" in view.shared_note.text()
    assert not view.import_button.isEnabled()
    assert "Shared mode" in view.import_button.toolTip()


def test_switching_while_hidden_empties_at_once_and_loads_on_return(
    window, qloop, context, sandbox
) -> None:
    first = open_numbers(window, qloop, context, sandbox, "Northwind")
    view = window.numbers_tab.owned
    other = run(qloop, context.organizations.add("Empty BYO"))
    run(qloop, context.organizations.set_mode(other.id, True))
    window.tabs.setCurrentWidget(window.credentials_tab)

    run(qloop, window.load(other.id))
    assert view.model.rowCount() == 0  # no number of the previous organization lingers
    assert not view.count_label.isVisible()

    window.tabs.setCurrentWidget(window.numbers_tab)
    run(qloop, wait_until(lambda: bool(view.error.text()), message="error for Empty BYO"))
    run(qloop, window.load(first.id))
    wait_loaded(qloop, view)
    assert view.model.rowCount() == SEEDED and view.error.text() == ""


def test_mode_change_on_the_same_org_reloads_its_numbers(window, qloop, context, sandbox) -> None:
    org = open_numbers(window, qloop, context, sandbox, "Northwind")
    view = window.numbers_tab.owned
    assert view.model.rowCount() == SEEDED

    async def to_shared() -> None:
        await context.connection.connect_shared(sandbox.shared_credentials)
        await context.organizations.set_mode(org.id, False)

    run(qloop, to_shared())
    run(qloop, window.load(org.id))  # the same organization, fresher record

    wait_loaded(qloop, view)
    assert view.model.rowCount() == 0  # none of the BYO account's numbers linger
    assert view.shared_note.isVisible()
    assert view.empty.text().startswith("No numbers have been bought for this organization")


def test_switching_while_loading_loads_the_new_org(window, qloop, context, sandbox) -> None:
    first = open_numbers(window, qloop, context, sandbox, "Northwind")
    view = window.numbers_tab.owned
    second = run(qloop, context.organizations.add("Southwind"))
    run(qloop, context.connection.connect(second.id, sandbox.demo_credentials))
    sandbox.server.faults.add(f"*{IPN}.json", "latency", count=1, latency=1.0, method="GET")

    view.refresh_button.click()  # a slow read of Northwind's numbers
    run(qloop, wait_until(lambda: view._load_task is not None, message="loading"))
    run(qloop, window.load(second.id))

    wait_loaded(qloop, view)
    assert view.org is not None and view.org.id == second.id != first.id
    assert view.model.rowCount() == SEEDED
    assert view.error.text() == ""


def test_search_page_forgets_the_previous_org(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox, "Northwind")
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    assert "30 numbers found" in search.message.text()
    second = run(qloop, context.organizations.add("Southwind"))
    run(qloop, context.connection.connect(second.id, sandbox.demo_credentials))
    sandbox.server.faults.add("*AvailablePhoneNumbers.json", "latency", latency=0.5)
    sandbox.server.clear_log()

    run(qloop, window.load(second.id))
    assert "numbers found" not in search.message.text()  # the old message is gone at once
    tab = window.numbers_tab
    for _ in range(3):  # page switches while the countries load start no second load
        tab.pages.setCurrentWidget(tab.owned)
        tab.pages.setCurrentWidget(search)
    run(qloop, wait_until(lambda: "Choose what" in search.message.text(), message="countries"))

    assert len(sandbox.server.requests("GET", "AvailablePhoneNumbers.json")) == 1
    assert search.model.rowCount() == 0 and search.country.currentData() == "US"


def test_late_countries_of_a_previous_org_are_ignored(window, qloop, context, sandbox) -> None:
    first = open_numbers(window, qloop, context, sandbox, "Northwind")
    other = run(qloop, context.organizations.add("Empty BYO"))
    run(qloop, context.organizations.set_mode(other.id, True))
    search = window.numbers_tab.search

    async def scenario() -> None:
        sandbox.server.faults.add("*AvailablePhoneNumbers.json", "latency", latency=0.5)
        search.ensure_loaded()  # Northwind's countries, slow
        load = search._countries_task
        assert load is not None
        await asyncio.sleep(0.1)
        await window.load(other.id)  # meanwhile the user picks another organization
        await asyncio.wait([load], timeout=5)

    run(qloop, scenario())
    assert search.org is not None and search.org.id == other.id != first.id
    assert search._loaded_for is None and search.country.count() == 0


def test_bought_but_not_stored_locally_says_so(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    fail_local_inserts(context)

    phone, _rows, _cost = buy_first(qloop, search, "confirm")

    assert len(owned_in_emulator(sandbox, phone)) == 1
    assert search.result.text().startswith(f"Bought {format_phone(phone)}")
    assert "could not be saved in Loquent's database: database or disk is full" in (
        search.result.text()
    )
    assert search.result.text().endswith("Use Import to add it.")
    assert search.error.text() == ""


def test_csv_export_to_an_unwritable_place_says_why(
    window, qloop, context, sandbox, tmp_path
) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    locked = Path(tmp_path) / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    path = locked / "numbers.csv"
    try:
        saved = run(qloop, view.save_csv(path))
    finally:
        locked.chmod(0o700)

    import os

    if os.geteuid() == 0:  # root ignores permissions: use a folder that does not exist
        saved = run(qloop, view.save_csv(Path(tmp_path) / "gone" / "numbers.csv"))
        assert not saved
        assert view.error.text().startswith(f"Could not write {tmp_path}/gone/numbers.csv: ")
        assert "No such file or directory" in view.error.text()
    else:
        assert not saved
        assert view.error.text() == f"Could not write {path}: Permission denied"
    assert "Unexpected error" not in view.error.text()
    assert view.table.isVisible()  # the numbers stay on screen


def test_refresh_keeps_the_rows_of_unchanged_numbers(window, qloop, context, sandbox) -> None:
    from tests.services.test_voice_routing import console_update

    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    run(qloop, wait_until(lambda: view.model.fully_built, message="rows built"))
    before = {n.sid: view.model._texts[i] for i, n in enumerate(view.model.items)}
    renamed, kept = list(before)[:2]
    console_update(sandbox, renamed, friendly_name="Renamed in the Console")

    view.refresh_button.click()
    run(qloop, wait_until(lambda: view._load_task is None, message="refresh"))
    run(qloop, wait_until(lambda: view.model.fully_built, message="rows built"))

    after = {n.sid: view.model._texts[i] for i, n in enumerate(view.model.items)}
    assert after[kept] is before[kept]  # not built again
    assert after[renamed] is not None and "Renamed in the Console" in after[renamed]
    assert "Renamed in the Console" in column(view, NAME)
    view.filter.setText("renamed in the console")  # found by what it shows now
    assert view.model.rowCount() == 1
