"""Rename… and Release… on the Numbers tab, through the real window against the emulator.

What a user would notice: each shows its plan before anything is sent, Cancel sends nothing,
Release cannot be confirmed without typing the number, a confirmed change reaches Twilio once,
the table and Loquent's database follow, and the journal keeps what a released number was.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from loquent_desktop.domain.journal_text import details_text
from loquent_desktop.domain.validation import format_phone
from loquent_desktop.domain.voice_route import VoiceConfig
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog, typed_matches
from loquent_desktop.ui.dialogs.rename_number import RenameNumberDialog
from loquent_desktop.ui.models.owned_numbers_model import NAME, NUMBER
from tests.conftest import wait_until
from tests.ui.test_numbers_tab import (
    SEEDED,
    column,
    dialog_of,
    open_numbers,
    plan_rows,
    rendered,
    row_of,
    run,
    wait_loaded,
    writes,
)

IPN = "IncomingPhoneNumbers"


def trunked_with_sms(sandbox: Any) -> Any:
    """The demo number on the office trunk that also has another platform's SMS URL."""
    with sandbox.server.state.lock:
        return next(
            n
            for n in sandbox.server.state.numbers.values()
            if n.account_sid == sandbox.seed.account_sid and n.trunk_sid and n.sms_url
        )


def select(view: Any, phone: str) -> None:
    view.table.selectRow(row_of(view, NUMBER, lambda t: t == format_phone(phone)))
    view.table.setFocus()


def journal(context: Any, org: Any, action: str) -> list[Any]:
    return context.database.journal.list_actions(org.id, (action,))


def rename_via_dialogs(qloop: Any, view: Any, name: str, answer: str) -> list[tuple[str, ...]]:
    async def scenario() -> list[tuple[str, ...]]:
        QTest.keyClick(view.table, Qt.Key.Key_F2)
        rename = await dialog_of(RenameNumberDialog)
        rename.name.setText(name)
        rename.ok_button.click()
        plan = await dialog_of(ConfirmPlanDialog)
        rows = plan_rows(plan)
        (plan.cancel_button if answer == "cancel" else plan.confirm_button).click()
        await wait_until(lambda: bool(view.care_result.text() or view.error.text()))
        return rows

    return run(qloop, scenario())


# -- rename --------------------------------------------------------------------------------


def test_rename_confirmed_changes_the_name_and_journals_it(window, qloop, context, sandbox) -> None:
    org = open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    number = trunked_with_sms(sandbox)
    before = number.friendly_name
    select(view, number.phone_number)
    sandbox.server.clear_log()

    rows = rename_via_dialogs(qloop, view, "  Front desk – New York  ", "confirm")

    assert ("Friendly name", before, "Front desk – New York") in [r[1:] for r in rows]
    (post,) = writes(sandbox)
    assert post.path.endswith(f"{IPN}/{number.sid}.json")
    assert post.form == {"FriendlyName": "Front desk – New York"}
    assert trunked_with_sms(sandbox).friendly_name == "Front desk – New York"
    assert trunked_with_sms(sandbox).trunk_sid == number.trunk_sid  # routing untouched
    assert view.care_result.text().startswith(
        f"Renamed {format_phone(number.phone_number)} to “Front desk – New York”"
    )
    wait_loaded(qloop, view)
    assert "Front desk – New York" in column(view, NAME)
    (entry,) = journal(context, org, "number.rename")
    assert entry.outcome == "succeeded"
    assert entry.plan["details"]["before"] == before
    assert "Friendly name: Front desk – New York." in details_text(entry, entry.outcome)


def test_rename_cancelled_at_either_step_sends_nothing(window, qloop, context, sandbox) -> None:
    org = open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    number = trunked_with_sms(sandbox)
    select(view, number.phone_number)
    sandbox.server.clear_log()

    rename_via_dialogs(qloop, view, "Never sent", "cancel")
    assert view.care_result.text().startswith("Cancelled")

    async def cancel_the_name() -> None:
        view.rename_button.click()
        (await dialog_of(RenameNumberDialog)).cancel_button.click()
        await wait_until(lambda: not view.care.busy, message="care idle")

    run(qloop, cancel_the_name())
    assert writes(sandbox) == []
    assert trunked_with_sms(sandbox).friendly_name == number.friendly_name
    (entry,) = journal(context, org, "number.rename")  # the plan's cancel, not the name's
    assert entry.outcome == "cancelled"


# -- release -------------------------------------------------------------------------------


def import_with_saved_configuration(context: Any, org: Any, number: Any) -> None:
    """Loquent knows the number: imported, with its configuration saved before routing."""
    phone_numbers = context.database.phone_numbers
    phone_numbers.upsert_many(
        org.id, [{"sid": number.sid, "phone_number": number.phone_number}], "imported"
    )
    phone_numbers.save_snapshot(
        org.id, number.sid, VoiceConfig(voice_url=number.voice_url, trunk_sid=number.trunk_sid)
    )


def open_release(qloop: Any, view: Any) -> ConfirmPlanDialog:
    async def scenario() -> ConfirmPlanDialog:
        QTest.keyClick(view.table, Qt.Key.Key_Delete)
        return await dialog_of(ConfirmPlanDialog)

    return run(qloop, scenario())


def test_release_needs_the_number_typed_and_cancel_sends_nothing(
    window, qloop, context, sandbox
) -> None:
    org = open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    number = trunked_with_sms(sandbox)
    import_with_saved_configuration(context, org, number)
    select(view, number.phone_number)
    sandbox.server.clear_log()

    dialog = open_release(qloop, view)

    text = "\n".join(
        [rendered(dialog.cost)] + [w.text() for w in dialog.findChildren(type(dialog.cost))]
    )
    assert "stops receiving calls and messages" in text
    assert "may not be possible to buy it back" in text
    assert "stops billing" in text
    assert f"TK…{number.trunk_sid[-4:]}" in text
    assert "https://crm.example.com/sms/inbound" in text
    assert "saved configuration" in text
    assert not dialog.confirm_button.isEnabled()
    dialog.typed.setText(number.phone_number[:-1])
    assert not dialog.confirm_button.isEnabled()
    dialog.typed.setText(number.phone_number + "0")
    assert not dialog.confirm_button.isEnabled()
    dialog.typed.setText(format_phone(number.phone_number))  # "+1 212-900-0137" counts
    assert dialog.confirm_button.isEnabled()
    dialog.typed.setText("")
    assert not dialog.confirm_button.isEnabled()
    QTest.keyClick(dialog.typed, Qt.Key.Key_Return)  # Enter means Cancel
    run(qloop, wait_until(lambda: bool(view.care_result.text()), message="cancelled"))

    assert view.care_result.text().startswith("Cancelled")
    assert writes(sandbox) == []
    assert trunked_with_sms(sandbox).sid == number.sid
    assert context.database.phone_numbers.get_by_sid(org.id, number.sid) is not None
    (entry,) = journal(context, org, "number.release")
    assert entry.outcome == "cancelled"


def test_release_confirmed_deletes_once_and_the_journal_keeps_the_number(
    window, qloop, context, sandbox
) -> None:
    org = open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    number = trunked_with_sms(sandbox)
    import_with_saved_configuration(context, org, number)
    select(view, number.phone_number)
    sandbox.server.clear_log()

    dialog = open_release(qloop, view)
    dialog.typed.setText(number.phone_number)
    dialog.confirm_button.click()
    run(qloop, wait_until(lambda: bool(view.care_result.text()), message="released"))

    (delete,) = writes(sandbox)
    assert delete.method == "DELETE" and delete.path.endswith(f"{IPN}/{number.sid}.json")
    with sandbox.server.state.lock:
        assert number.sid not in sandbox.server.state.numbers
    message = view.care_result.text()
    assert message.startswith(f"Released {format_phone(number.phone_number)}")
    assert "removed from this organization's numbers" in message
    assert context.database.phone_numbers.get_by_sid(org.id, number.sid) is None
    wait_loaded(qloop, view)
    assert view.model.rowCount() == SEEDED - 1
    assert format_phone(number.phone_number) not in column(view, NUMBER)

    (entry,) = journal(context, org, "number.release")
    assert entry.outcome == "succeeded"
    kept = entry.plan["details"]["configuration"]
    assert kept["phone_number"] == number.phone_number
    assert kept["friendly_name"] == number.friendly_name
    assert kept["voice_url"] == number.voice_url and kept["trunk_sid"] == number.trunk_sid
    assert kept["sms_url"] == number.sms_url
    record = entry.plan["details"]["loquent_record"]
    assert record["source"] == "imported"
    assert record["previous_trunk_sid"] == number.trunk_sid
    assert entry.result["released"] is True
    # What the Journal tab shows of it: the plan, and the configuration in words.
    shown = details_text(entry, entry.outcome)
    assert f"Release {format_phone(number.phone_number)}" in shown
    assert f"SIP trunk {number.trunk_sid}" in shown and number.sms_url in shown
    assert "Released: yes." in shown and "Bought" not in shown


def test_typed_confirmation_ignores_spaces_dashes_and_the_plus() -> None:
    assert typed_matches("+1 415-555-0100", "+14155550100")
    assert typed_matches("1 (415) 555.0100", "+14155550100")
    assert not typed_matches("+1415555010", "+14155550100")
    assert not typed_matches("", "+14155550100")
    assert not typed_matches("", "")


def test_actions_need_a_selected_number_and_the_context_menu_offers_them(
    window, qloop, context, sandbox
) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    view.table.clearSelection()
    assert not view.rename_button.isEnabled() and not view.release_button.isEnabled()
    number = trunked_with_sms(sandbox)
    row = row_of(view, NUMBER, lambda t: t == format_phone(number.phone_number))
    sandbox.server.clear_log()

    rect = view.table.visualRect(view.model.index(row, NUMBER))
    view.table.customContextMenuRequested.emit(rect.center())
    menu = view.findChild(QMenu)
    assert view.release_button.isEnabled()  # the clicked row got selected
    actions = {a.text().split("\t")[0]: a for a in menu.actions()}
    assert set(actions) == {"Rename…", "Release…"} and all(a.isEnabled() for a in actions.values())
    menu.close()
    actions["Release…"].trigger()
    dialog = run(qloop, dialog_of(ConfirmPlanDialog))
    assert dialog.windowTitle() == f"Release {format_phone(number.phone_number)}"
    dialog.cancel_button.click()
    run(qloop, wait_until(lambda: not view.care.busy, message="care idle"))
    assert writes(sandbox) == []
