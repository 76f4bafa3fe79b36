"""How the window meets the user again and again: forgiving tab names, the layout and the
organization they left restored, exports starting in Documents or the last folder used, and
a question before connecting an account another organization already uses."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QSplitter

from loquent_desktop.cli import window_size
from loquent_desktop.ui import file_dialogs
from loquent_desktop.ui.tab_names import match_tab
from loquent_desktop.ui.window_state import WindowState
from tests.conftest import wait_until
from tests.ui.test_credentials_tab import add_org, fill_token, select_byo

TABS = ["Credentials", "Numbers", "Voice routing", "Sync", "Recordings", "Journal"]


@pytest.mark.parametrize(
    ("typed", "tab"),
    [
        ("voice routing", "Voice routing"),
        ("voice", "Voice routing"),
        ("Routing", "Voice routing"),
        ("VOICE-ROUTING", "Voice routing"),
        ("numbers", "Numbers"),
        ("num", "Numbers"),
        ("sync", "Sync"),
        ("history", "Sync"),
        ("journal", "Journal"),
        ("recordings", "Recordings"),
        ("cred", "Credentials"),
    ],
)
def test_tab_names_are_matched_forgivingly(typed: str, tab: str) -> None:
    assert match_tab(TABS, typed) == TABS.index(tab)


def test_unknown_or_ambiguous_tab_names_match_nothing() -> None:
    assert match_tab(TABS, "contacts") is None
    assert match_tab(["Sync", "Summary"], "s") is None  # which one? Not a guess.
    assert match_tab(TABS, "") is None


def test_window_size_option() -> None:
    assert window_size("1024x640") == (1024, 640)
    for bad in ("1024", "axb", "10x10"):
        with pytest.raises(argparse.ArgumentTypeError):
            window_size(bad)


def test_select_tab_accepts_a_short_name_and_says_which_exist(window) -> None:
    window.select_tab("voice")
    assert window.tabs.currentWidget() is window.voice_tab
    with pytest.raises(Exception, match="The tabs are: credentials, numbers"):
        window.select_tab("nonsense")


def test_layout_tab_and_organization_come_back(window, qloop, context, tmp_path: Path) -> None:
    org = add_org(window, qloop, "Remembered Org")
    window.resize(780, 560)  # within the offscreen screen, which restoring clamps to

    async def show_voice() -> None:  # the tab starts its read: on the running loop
        window.select_tab("voice")
        await window.tasks.wait_idle()

    qloop.run_until_complete(show_voice())
    splitter = window.voice_tab.findChild(QSplitter)
    total = sum(splitter.sizes())
    splitter.setSizes([total - 400, 400])  # both above their minimum widths
    header = window.voice_tab.table.horizontalHeader()
    header.resizeSection(1, 321)
    QApplication.processEvents()
    sizes = splitter.sizes()
    WindowState(tmp_path).save(window, window.tabs, org.id)

    from loquent_desktop.ui.main_window import MainWindow

    again = MainWindow(context)
    try:
        state = WindowState(tmp_path)
        again.show()  # as the launcher does: splitters sized at their real size
        state.restore_layout(again)
        QApplication.processEvents()
        assert (again.width(), again.height()) == (780, 560)
        again.select_tab("voice")  # a tab shown after the restore gets its sizes then
        QApplication.processEvents()
        assert again.voice_tab.findChild(QSplitter).sizes() == sizes
        assert again.voice_tab.table.horizontalHeader().sectionSize(1) == 321
        assert state.tab() == "Voice routing" and state.organization() == org.id
    finally:
        qloop.run_until_complete(again.shutdown())
        again.deleteLater()


def test_exports_start_in_documents_then_where_the_last_one_went(tmp_path: Path) -> None:
    file_dialogs.remember_in(tmp_path / "config")
    (tmp_path / "config").mkdir()
    documents = file_dialogs.documents_folder()
    assert file_dialogs.start_folder() == documents
    assert (
        file_dialogs.save_dialog(None, "Export", "x.csv").directory().absolutePath()
        == str(Path(documents).resolve())
        or not Path(documents).exists()
    )
    chosen = tmp_path / "exports"
    chosen.mkdir()
    file_dialogs.remember_folder(chosen / "numbers.csv")
    file_dialogs.remember_in(tmp_path / "config")  # as on the next start
    assert file_dialogs.start_folder() == str(chosen)
    dialog = file_dialogs.save_dialog(None, "Export", "numbers.csv")
    assert dialog.directory().absolutePath() == str(chosen)


def test_an_account_another_organization_uses_is_asked_about_first(
    window, qloop, context, sandbox
) -> None:
    first = add_org(window, qloop, "Acme Dental")
    qloop.run_until_complete(
        window.credentials_tab.details.connect_org(first.id, sandbox.demo_credentials)
    )
    second = add_org(window, qloop, "Acme Billing")
    select_byo(window, qloop)
    tab = window.credentials_tab
    creds = sandbox.demo_credentials

    async def connect_and_answer(button: str) -> str:
        fill_token(tab, creds.account_sid, creds.secret)
        tab.details.connect_button.click()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        text = box.text()
        if button == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            next(b for b in box.buttons() if b.text() == "Connect anyway").click()
        await wait_until(lambda: window.tasks.running == 0, message="settled")
        return text

    sandbox.server.clear_log()
    text = qloop.run_until_complete(connect_and_answer("cancel"))
    assert "“Acme Dental” already uses this Twilio account" in text
    assert sandbox.server.requests() == []  # asked before anything was checked with Twilio
    assert window.context.database.organizations.get(second.id).twilio_account_sid is None
    assert "Not connected" in tab.details.error.text()

    qloop.run_until_complete(connect_and_answer("connect"))
    org = window.context.database.organizations.get(second.id)
    assert org.twilio_account_sid == creds.account_sid
