"""The Credentials tab driven through the real window against the emulator."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from loquent_desktop.domain.credentials import CredentialKind
from loquent_desktop.domain.event_streams import StreamKind
from loquent_desktop.secrets.store import SHARED_KEY, org_key
from tests.conftest import wait_until
from tests.services.test_numbers_service import Confirmer


def add_org(window, qloop, name: str):  # type: ignore[no-untyped-def]
    tab = window.credentials_tab
    qloop.run_until_complete(tab.organization_list.organizations.add(name))
    qloop.run_until_complete(tab.load())
    for row in range(tab.org_list.count()):
        if tab.org_list.item(row).data(Qt.ItemDataRole.UserRole).name == name:
            tab.org_list.setCurrentRow(row)
    return tab.current


def select_byo(window, qloop) -> None:  # type: ignore[no-untyped-def]
    tab = window.credentials_tab
    tab.details.byo_radio.click()
    qloop.run_until_complete(wait_until(lambda: tab.current.byo_twilio, message="BYO mode"))


def fill_token(tab, sid: str, token: str) -> None:  # type: ignore[no-untyped-def]
    tab.details.form.set_kind(CredentialKind.AUTH_TOKEN)
    tab.details.form.account_sid.setText(sid)
    tab.details.form.auth_token.setText(token)


def db_rows(context, sql: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    path = context.database.engine.url.database
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_connect_good_auth_token_shows_masked_sid_and_keeps_secret_in_keychain(
    window, qloop, context, sandbox, secret_store
) -> None:
    org = add_org(window, qloop, "Good Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    assert "Not connected" in tab.details.status.text()
    fill_token(tab, sandbox.seed.account_sid, sandbox.seed.auth_token)
    tab.details.connect_button.click()
    qloop.run_until_complete(wait_until(lambda: "Connected ✓" in tab.details.status.text()))

    masked = sandbox.seed.account_sid[:2] + "•" * 8 + sandbox.seed.account_sid[-4:]
    assert masked in tab.details.status.text()
    assert sandbox.seed.account_sid not in tab.details.status.text()
    assert "Full" in tab.details.status.text() or "Trial" in tab.details.status.text()
    assert tab.details.form.auth_token.text() == ""  # the secret does not linger on screen
    assert f"BYO {masked}" in window.mode_label.text()
    stored = secret_store.get_credentials(org_key(org.keychain_id))
    assert stored is not None and stored.secret == sandbox.seed.auth_token
    dump = "\n".join(str(r) for r in db_rows(context, "select * from organization"))
    assert sandbox.seed.auth_token not in dump
    assert sandbox.seed.account_sid in dump


def test_wrong_token_is_refused_in_words_and_writes_nothing(
    window, qloop, context, sandbox, secret_store
) -> None:
    org = add_org(window, qloop, "Bad Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    fill_token(tab, sandbox.seed.account_sid, "0" * 32)
    tab.details.connect_button.click()
    qloop.run_until_complete(wait_until(lambda: "rejected" in tab.details.error.text()))
    assert "20003" in tab.details.error.text()
    assert tab.details.connect_button.isEnabled()
    assert secret_store.get_credentials(org_key(org.keychain_id)) is None
    assert db_rows(context, f"select twilio_account_sid from organization where id={org.id}") == [
        (None,)
    ]


@pytest.mark.parametrize(
    ("sid", "token", "words"),
    [
        ("AC123", "f" * 32, "not complete"),
        ("VALID", "abc def 0123456789abcdef0123456", "spaces"),
        ("", "f" * 32, "Enter the Account SID"),
    ],
)
def test_malformed_input_is_explained_before_any_request(
    window, qloop, sandbox, secret_store, sid, token, words
) -> None:
    org = add_org(window, qloop, "Typo Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    sandbox.server.clear_log()
    fill_token(tab, sandbox.seed.account_sid if sid == "VALID" else sid, token)
    tab.details.connect_button.click()
    assert words in tab.details.error.text()
    assert sandbox.server.requests() == []
    assert secret_store.get_credentials(org_key(org.keychain_id)) is None


def test_unknown_account_sid_is_refused(window, qloop, sandbox, secret_store) -> None:
    org = add_org(window, qloop, "Unknown Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    fill_token(tab, "AC" + "9" * 32, sandbox.seed.auth_token)
    tab.details.connect_button.click()
    qloop.run_until_complete(wait_until(lambda: "[" in tab.details.error.text()))
    assert "rejected" in tab.details.error.text()
    assert secret_store.get_credentials(org_key(org.keychain_id)) is None


def test_api_key_path_validates_with_a_list_call(window, qloop, sandbox, secret_store) -> None:
    org = add_org(window, qloop, "Key Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    tab.details.form.set_kind(CredentialKind.API_KEY)
    assert tab.details.form.api_key_secret.isVisibleTo(
        tab
    ) and not tab.details.form.auth_token.isVisibleTo(tab)
    tab.details.form.account_sid.setText(sandbox.seed.account_sid)
    tab.details.form.api_key_sid.setText(sandbox.seed.api_key_sid)
    tab.details.form.api_key_secret.setText(sandbox.seed.api_key_secret)
    sandbox.server.clear_log()
    tab.details.connect_button.click()
    qloop.run_until_complete(wait_until(lambda: "Connected" in tab.details.status.text()))
    assert "API key" in tab.details.status.text()
    paths = [r.path for r in sandbox.server.requests()]
    assert any("IncomingPhoneNumbers" in p for p in paths)
    stored = secret_store.get_credentials(org_key(org.keychain_id))
    assert stored is not None and stored.api_key_sid == sandbox.seed.api_key_sid


def test_disconnect_removes_keychain_entry_and_shows_error_state(
    window, qloop, sandbox, secret_store
) -> None:
    org = add_org(window, qloop, "Leaving Org")
    tab = window.credentials_tab
    qloop.run_until_complete(tab.details.connect_org(org.id, sandbox.demo_credentials))
    assert secret_store.get_credentials(org_key(org.keychain_id)) is not None

    async def scenario() -> None:
        task = asyncio.ensure_future(tab.details.disconnect_org())
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        disconnect = next(b for b in box.buttons() if b.text() == "Disconnect")
        disconnect.click()
        await task

    qloop.run_until_complete(scenario())
    assert secret_store.get_credentials(org_key(org.keychain_id)) is None
    assert "Not connected" in tab.details.status.text()
    assert "not connected" in window.mode_label.text()


def answer_input(text: str | None):  # type: ignore[no-untyped-def]
    async def answer() -> None:
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QInputDialog))
        dialog = QApplication.activeModalWidget()
        if text is None:
            dialog.reject()
        else:
            dialog.setTextValue(text)
            dialog.accept()

    return answer()


def test_add_rename_remove_organization(window, qloop, secret_store, sandbox) -> None:
    tab = window.credentials_tab

    async def scenario() -> None:
        await asyncio.gather(tab.organization_list.add_org(), answer_input("  Zeta   Health "))
        assert tab.current.name == "Zeta Health"
        await asyncio.gather(tab.organization_list.rename_org(), answer_input("Zeta Care"))
        assert tab.current.name == "Zeta Care"
        await tab.details.connect_org(tab.current.id, sandbox.demo_credentials)
        keychain_id = tab.current.keychain_id

        async def press_remove() -> None:
            await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
            box = QApplication.activeModalWidget()
            next(b for b in box.buttons() if b.text() == "Remove").click()

        await asyncio.gather(tab.remove_org(), press_remove())
        names = [o.name for o in await tab.organization_list.organizations.list()]
        assert "Zeta Care" not in names
        assert secret_store.get_credentials(org_key(keychain_id)) is None

    qloop.run_until_complete(scenario())


def test_add_cancelled_and_duplicate_names(window, qloop) -> None:
    tab = window.credentials_tab
    add_org(window, qloop, "Twin")
    before = tab.org_list.count()

    async def scenario() -> None:
        await asyncio.gather(tab.organization_list.add_org(), answer_input(None))
        assert tab.org_list.count() == before
        with pytest.raises(Exception, match="already"):
            await asyncio.gather(tab.organization_list.add_org(), answer_input("twin"))

    qloop.run_until_complete(scenario())
    assert tab.org_list.count() == before


def test_mode_switch_updates_status_bar(window, qloop) -> None:
    add_org(window, qloop, "Switcher")
    select_byo(window, qloop)
    assert "not connected" in window.mode_label.text()
    assert window.credentials_tab.details.connect_box.isVisible()
    window.credentials_tab.details.shared_radio.click()
    qloop.run_until_complete(
        wait_until(lambda: not window.credentials_tab.current.byo_twilio, message="Shared")
    )
    assert window.mode_label.text() == "Shared"
    assert not window.credentials_tab.details.connect_box.isVisible()


def test_emulator_down_gives_a_connection_message(window, qloop, sandbox, secret_store) -> None:
    org = add_org(window, qloop, "Offline Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    sandbox.stop()
    fill_token(tab, sandbox.seed.account_sid, sandbox.seed.auth_token)
    tab.details.connect_button.click()
    qloop.run_until_complete(wait_until(lambda: "Could not reach" in tab.details.error.text()))
    assert sandbox.seed.auth_token not in tab.details.error.text()
    assert secret_store.get_credentials(org_key(org.keychain_id)) is None


def test_shared_account_configuration(window, qloop, sandbox, secret_store) -> None:
    box = window.credentials_tab.shared_box

    async def scenario() -> None:
        task = asyncio.ensure_future(box.configure())
        await wait_until(lambda: QApplication.activeModalWidget() is not None)
        dialog = QApplication.activeModalWidget()
        dialog.form.account_sid.setText(sandbox.seed.shared_account_sid)
        dialog.form.auth_token.setText("1" * 32)
        dialog._save()
        await wait_until(lambda: "rejected" in dialog.error.text())
        dialog.form.auth_token.setText(sandbox.seed.shared_auth_token)
        dialog._save()
        # The good save closes the dialog, and that ends `task`. A failed save (a slow answer
        # on a loaded machine) leaves the dialog open for the user to retry, so awaiting
        # `task` would wait forever: await the save itself and say why it failed.
        await asyncio.wait_for(dialog._task, timeout=60)
        if shiboken6.isValid(dialog) and dialog.isVisible():
            pytest.fail(f"the good credentials were not saved: {dialog.error.text()}")
        await asyncio.wait_for(task, timeout=10)

    qloop.run_until_complete(scenario())
    stored = secret_store.get_credentials(SHARED_KEY)
    assert stored is not None and stored.account_sid == sandbox.seed.shared_account_sid
    assert sandbox.seed.shared_account_sid[-4:] in box.summary.text()


def test_check_connection_refreshes_details_and_reports_revoked_token(
    window, qloop, sandbox
) -> None:
    org = add_org(window, qloop, "Checked Org")
    tab = window.credentials_tab
    qloop.run_until_complete(tab.details.connect_org(org.id, sandbox.demo_credentials))
    tab.details.check_button.click()
    qloop.run_until_complete(wait_until(lambda: "Works" in tab.details.check_result.text()))
    assert sandbox.seed.account_sid[-4:] in tab.details.check_result.text()
    assert "Checked with Twilio" in tab.details.status.text()

    # The customer rotates the Auth Token in the Console: the stored one stops working.
    with sandbox.server.state.lock:
        sandbox.server.state.accounts[sandbox.seed.account_sid].auth_token = "d" * 32
    sandbox.server.clear_log()
    tab.details.check_button.click()
    qloop.run_until_complete(wait_until(lambda: "rejected" in tab.details.check_result.text()))
    assert all(r.method == "GET" for r in sandbox.server.requests())


def test_names_are_shown_as_typed_never_as_html(window, qloop) -> None:
    add_org(window, qloop, "<b>Bold</b> & Co")
    tab = window.credentials_tab
    assert tab.details.title.text() == "<b>Bold</b> & Co"
    assert tab.details.title.textFormat() == Qt.TextFormat.PlainText
    assert window.org_label.text() == "<b>Bold</b> & Co"
    assert window.org_label.textFormat() == Qt.TextFormat.PlainText


def test_loquent_voice_url_is_https_only_and_empty_means_default(window, qloop, context) -> None:
    org = add_org(window, qloop, "Voice Org")
    tab = window.credentials_tab
    tab.details.voice_url.setText("http://insecure.example/voice")
    tab.details.save_voice_url.click()
    qloop.run_until_complete(wait_until(lambda: "https://" in tab.details.voice_url_message.text()))
    assert context.database.organizations.get(org.id).voice_url is None

    tab.details.voice_url.setText("  https://voice.example.org/acme  ")
    tab.details.save_voice_url.click()
    qloop.run_until_complete(wait_until(lambda: tab.details.voice_url_message.text() == "Saved."))
    assert context.database.organizations.get(org.id).voice_url == "https://voice.example.org/acme"
    url = qloop.run_until_complete(context.numbers.loquent_voice_url(org.id))
    assert url == "https://voice.example.org/acme"

    tab.details.voice_url.clear()
    tab.details.voice_url_message.clear()  # so the wait below sees this save, not the previous one
    tab.details.save_voice_url.click()
    qloop.run_until_complete(wait_until(lambda: tab.details.voice_url_message.text() == "Saved."))
    url = qloop.run_until_complete(context.numbers.loquent_voice_url(org.id))
    assert url == context.settings.default_voice_url


def select_org(window, name: str) -> None:  # type: ignore[no-untyped-def]
    tab = window.credentials_tab
    for row in range(tab.org_list.count()):
        if tab.org_list.item(row).data(Qt.ItemDataRole.UserRole).name == name:
            tab.org_list.setCurrentRow(row)


def test_switching_organization_while_connecting_keeps_the_new_selection(
    window, qloop, sandbox, secret_store
) -> None:
    add_org(window, qloop, "Other Org")
    org = add_org(window, qloop, "Slow Org")
    select_byo(window, qloop)
    tab = window.credentials_tab
    sandbox.server.faults.add("*/Accounts/*.json", "latency", count=1, latency=0.5)
    fill_token(tab, sandbox.seed.account_sid, sandbox.seed.auth_token)
    tab.details.connect_button.click()
    select_org(window, "Other Org")
    assert tab.details.form.auth_token.text() == ""  # the typed secret did not follow
    # Wait for the whole connect task, not for the keychain entry alone: stopping the loop
    # half-way through the save let the task resume outside it ("no running event loop").
    qloop.run_until_complete(wait_until(lambda: window.tasks.running == 0))
    assert secret_store.get_credentials(org_key(org.keychain_id)) is not None
    assert tab.current.name == "Other Org"
    assert tab.details.title.text() == "Other Org"
    assert window.org_label.text() == "Other Org"
    assert "Connected" not in tab.details.error.text()
    slow_item = next(
        tab.org_list.item(r)
        for r in range(tab.org_list.count())
        if tab.org_list.item(r).data(Qt.ItemDataRole.UserRole).id == org.id
    )
    assert sandbox.seed.account_sid[-4:] in slow_item.text()


def test_leaving_own_account_for_the_shared_one_asks_first(window, qloop, sandbox) -> None:
    org = add_org(window, qloop, "Careful Org")
    tab = window.credentials_tab
    qloop.run_until_complete(tab.details.connect_org(org.id, sandbox.demo_credentials))

    async def click_shared_and(answer: str) -> str:
        tab.details.shared_radio.click()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        text = box.text()
        if answer == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            next(b for b in box.buttons() if b.text() == "Switch to Shared").click()
        await wait_until(lambda: window.tasks.running == 0)
        return text

    text = qloop.run_until_complete(click_shared_and("cancel"))
    assert "Loquent is billed" in text
    assert tab.current.byo_twilio and tab.details.byo_radio.isChecked()
    assert context_org(window, org.id).byo_twilio

    qloop.run_until_complete(click_shared_and("switch"))
    assert not context_org(window, org.id).byo_twilio
    assert tab.details.shared_radio.isChecked()
    assert window.mode_label.text() == "Shared"


def test_leaving_own_account_warns_about_its_event_streams(window, qloop, sandbox) -> None:
    """Event streams set up in the organization's own account keep running on Twilio, and
    cannot be removed in Shared mode: the switch says so before it happens and offers to
    remove them first (tests/ui/test_leaving_byo.py follows that offer through)."""
    org = add_org(window, qloop, "Streaming Org")
    tab = window.credentials_tab
    qloop.run_until_complete(tab.details.connect_org(org.id, sandbox.demo_credentials))
    streams = window.context.event_streams
    change = qloop.run_until_complete(streams.prepare_setup(org.id, StreamKind.SMS))
    qloop.run_until_complete(window.context.plans.apply(change, Confirmer(True)))

    async def click_shared_and_cancel() -> str:
        tab.details.shared_radio.click()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        text = box.text()
        box.button(QMessageBox.StandardButton.Cancel).click()
        await wait_until(lambda: window.tasks.running == 0)
        return text

    text = qloop.run_until_complete(click_shared_and_cancel())
    assert "SMS events streaming to Loquent" in text and "Twilio keeps sending them" in text
    assert "removes the event streams before the organization switches to Shared" in text
    assert context_org(window, org.id).byo_twilio


def test_connecting_an_account_another_organization_uses_says_so(window, qloop, sandbox) -> None:
    first = add_org(window, qloop, "Acme Dental")
    tab = window.credentials_tab
    qloop.run_until_complete(tab.details.connect_org(first.id, sandbox.demo_credentials))
    assert (
        tab.details.error.text().startswith("Connected.")
        and "already use" not in tab.details.error.text()
    )

    second = add_org(window, qloop, "Acme Billing")
    qloop.run_until_complete(tab.details.connect_org(second.id, sandbox.demo_credentials))
    text = tab.details.error.text()
    assert text.startswith("Connected.")  # a warning, not a refusal
    assert "“Acme Dental” already uses this Twilio account" in text
    assert "event streaming is set up once per account" in text
    assert context_org(window, second.id).twilio_account_sid == sandbox.seed.account_sid


def context_org(window, org_id: int):  # type: ignore[no-untyped-def]
    return window.context.database.organizations.get(org_id)


def test_closing_the_shared_account_dialog_while_checking_saves_nothing(
    window, qloop, sandbox, secret_store
) -> None:
    box = window.credentials_tab.shared_box
    sandbox.server.faults.add("*/Accounts/*.json", "latency", count=1, latency=0.5)

    async def scenario() -> None:
        task = asyncio.ensure_future(box.configure())
        await wait_until(lambda: QApplication.activeModalWidget() is not None)
        dialog = QApplication.activeModalWidget()
        dialog.form.account_sid.setText(sandbox.seed.shared_account_sid)
        dialog.form.auth_token.setText(sandbox.seed.shared_auth_token)
        dialog._save()
        await asyncio.sleep(0.1)
        dialog.reject()  # Esc while Twilio is still being asked
        await task
        await asyncio.sleep(0.6)  # past the emulator's answer

    qloop.run_until_complete(scenario())
    assert secret_store.get_credentials(SHARED_KEY) is None
