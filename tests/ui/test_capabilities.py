""" "What this app can and cannot do to your account": the same table from the credentials
form and from Help, read-only rows marked as such, and each action taking the user to the
tab (and page) where it happens."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from loquent_desktop.domain.capabilities import CAPABILITIES, NEVER
from loquent_desktop.ui.capabilities_dialog import ACTION, CHANGES, CapabilitiesDialog
from loquent_desktop.ui.widgets import page_of
from tests.conftest import wait_until
from tests.ui.test_credentials_tab import add_org, select_byo


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def opened(qloop: Any) -> CapabilitiesDialog:
    run(qloop, wait_until(lambda: isinstance(QApplication.activeModalWidget(), CapabilitiesDialog)))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, CapabilitiesDialog)
    return dialog


def rows(dialog: CapabilitiesDialog) -> dict[str, str]:
    table = dialog.table
    return {
        table.item(r, ACTION).text(): table.item(r, CHANGES).text() for r in range(table.rowCount())
    }


def row_of(dialog: CapabilitiesDialog, action: str) -> int:
    return next(
        r for r in range(dialog.table.rowCount()) if dialog.table.item(r, ACTION).text() == action
    )


def test_the_table_says_what_changes_the_account_and_what_only_reads(window, qloop) -> None:  # type: ignore[no-untyped-def]
    window.capabilities_action.trigger()
    dialog = opened(qloop)
    shown = rows(dialog)
    assert shown["Buy a number"] == "Changes"
    assert shown["Import numbers"] == "Read-only"
    assert shown["Sync message and call history"] == "Read-only"
    assert shown["Sync and download recordings"] == "Read-only"
    assert shown["Point at Loquent"] == shown["Restore"] == "Changes"
    assert shown["Change a SIP trunk's recording mode"] == "Changes"
    assert shown["Set up event streaming"] == shown["Remove event streaming"] == "Changes"
    assert len(shown) == len(CAPABILITIES)
    buy = dialog.table.item(row_of(dialog, "Buy a number"), 2).text()
    assert "bills the account" in buy and "Voice URL" in buy
    assert "delete recordings" in dialog.never.text() and len(NEVER) >= 4
    dialog.reject()


def test_from_the_credentials_form_and_each_action_goes_where_it_happens(window, qloop) -> None:  # type: ignore[no-untyped-def]
    add_org(window, qloop, "Linked Org")
    select_byo(window, qloop)
    form = window.credentials_tab.details.form
    assert form.capabilities_link.isVisible()
    assert "What will Loquent do to this account?" in form.capabilities_link.text()

    async def go(open_it: Any, action: str) -> CapabilitiesDialog:
        """Open the dialog, click `action`, wait until it closed and the tab is shown."""
        open_it()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), CapabilitiesDialog))
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CapabilitiesDialog)
        dialog.table.cellClicked.emit(row_of(dialog, action), ACTION)
        # (The tab may then say in a message box that this BYO organization is not connected.)
        await wait_until(
            lambda: not isinstance(QApplication.activeModalWidget(), CapabilitiesDialog),
            message="closed",
        )
        await window.tasks.wait_idle()
        return dialog

    dialog = run(
        qloop, go(lambda: form.capabilities_link.linkActivated.emit("#c"), "Set up event streaming")
    )
    assert form.capabilities is dialog
    # A link to a page inside a tab: Sync → Event streaming.
    assert page_of(window.tabs.currentWidget()) is window.sync_tab
    assert window.sync_tab.pages.currentWidget() is window.sync_tab.streams

    run(qloop, go(window.capabilities_action.trigger, "Change a SIP trunk's recording mode"))
    assert page_of(window.tabs.currentWidget()) is window.recordings_tab
    assert window.recordings_tab.pages.currentWidget() is window.recordings_tab.trunks

    run(qloop, go(window.capabilities_action.trigger, "Buy a number"))
    assert page_of(window.tabs.currentWidget()) is window.numbers_tab
    box = QApplication.activeModalWidget()
    if box is not None:  # "not connected", from the Numbers tab's read
        box.close()
