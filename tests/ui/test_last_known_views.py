"""Numbers and Voice routing when Twilio cannot be reached, through the real window: the last
known state stays on screen, marked with its age; nothing that changes the account can be
started (the buttons say why, and their shortcuts send nothing) until a live read succeeds;
bad credentials are said as such, never covered by old data."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from loquent_desktop.domain.last_known import CHANGES_NEED_LIVE
from loquent_desktop.ui.voice_tab import CONFIGURE_TIP
from tests.conftest import wait_until
from tests.services.test_last_known import twilio_unreachable
from tests.ui.test_numbers_tab import open_numbers, run, wait_loaded, writes
from tests.ui.test_voice_tab import open_voice

OFFLINE = "Twilio could not be reached — showing what Loquent last saw "


def reload_voice(qloop: Any, tab: Any) -> None:
    tab.refresh()
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))


def test_voice_routing_offline_shows_the_last_known_configuration(
    window, qloop, context, sandbox
) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    live = {tab.model.item_at(r).sid: tab.model.item_at(r).live for r in range(25)}
    assert tab.offline_note.isHidden()
    with twilio_unreachable(context):
        reload_voice(qloop, tab)
        assert not tab.offline_note.isHidden()
        assert tab.offline_note.text().startswith(OFFLINE + "just now (")
        assert "Could not reach Twilio" in tab.offline_note.text()
        assert {tab.model.item_at(r).sid: tab.model.item_at(r).live for r in range(25)} == live
        assert tab.error.text() == "" and tab.refreshed_label.text() == ""
        sids = [tab.model.item_at(r).sid for r in range(3)]
        tab.select_sids(sids[:1])
        assert "once Twilio can be reached" in tab.details.changes.note.text()
        tab.select_sids(sids)
        assert not tab.configure_button.isEnabled() and not tab.restore_button.isEnabled()
        assert tab.configure_button.toolTip() == CHANGES_NEED_LIVE
        sandbox.server.clear_log()
        QTest.keyClick(tab.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        run(qloop, wait_until(lambda: not tab.busy, message="idle"))
        assert tab._run is None and writes(sandbox) == []
    reload_voice(qloop, tab)
    assert tab.offline_note.isHidden() and tab.refreshed_label.text()
    tab.select_sids(sids)
    assert tab.configure_button.isEnabled() and tab.configure_button.toolTip() == CONFIGURE_TIP


def test_numbers_offline_show_the_last_known_list(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    shown = sorted(n.sid for n in view.model.items)
    with twilio_unreachable(context):
        view.invalidate()
        view.refresh()
        run(qloop, wait_until(lambda: view._load_task is None, message="offline load"))
        assert not view.offline_note.isHidden()
        assert view.offline_note.text().startswith(OFFLINE)
        assert sorted(n.sid for n in view.model.items) == shown
        assert view.error.text() == "" and view.refreshed_label.text() == ""
        view.table.selectRow(0)
        assert view.care.selected is not None
        for button in (view.rename_button, view.release_button):
            assert not button.isEnabled() and button.toolTip() == CHANGES_NEED_LIVE
        view.care.rename_selected()  # F2 / the context menu: nothing starts
        assert not view.care.busy
    view.refresh()
    wait_loaded(qloop, view)
    assert view.offline_note.isHidden()
    view.table.selectRow(0)
    assert view.rename_button.isEnabled() and view.rename_button.toolTip() != CHANGES_NEED_LIVE


def test_bad_credentials_are_said_as_such_not_covered_by_old_data(
    window, qloop, context, sandbox
) -> None:
    open_numbers(window, qloop, context, sandbox)
    view = window.numbers_tab.owned
    with sandbox.server.state.lock:
        sandbox.server.state.accounts[sandbox.seed.account_sid].auth_token = "0" * 32
    view.invalidate()
    view.refresh()
    run(qloop, wait_until(lambda: view._load_task is None, message="failed load"))
    assert "rejected the credentials" in view.error.text()
    assert view.offline_note.isHidden()


def test_offline_before_anything_was_read_says_why(window, qloop, context, sandbox) -> None:
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    with twilio_unreachable(context):
        run(qloop, window.load(org.id))
        window.tabs.setCurrentWidget(window.numbers_tab)
        view = window.numbers_tab.owned
        run(qloop, wait_until(lambda: bool(view.error.text()), message="error"))
        assert "Could not reach Twilio" in view.error.text()
        assert view.offline_note.isHidden() and view.model.rowCount() == 0
