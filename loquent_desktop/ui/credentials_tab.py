"""Credentials tab: the organizations, the mode each runs in, and their Twilio credentials.

Selecting an organization here makes it the current one for the whole window.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..domain.credentials import Credentials
from ..domain.errors import InvalidInput, LoquentError
from ..domain.records import OrganizationRecord
from ..domain.validation import mask_sid
from ..services.connection import ConnectionService
from ..services.organizations import OrganizationService
from .async_tasks import TaskRunner
from .credentials_form import CredentialsForm
from .dialogs.awaitable import answer
from .dialogs.message import confirm
from .shared_account_box import SharedAccountBox
from .widgets import ErrorLabel, user_text

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #b3261e;"
OK_STYLE = "color: #1b6e3a;"
WARN_STYLE = "color: #9a5b00;"


def streams_warning(streams: list[str]) -> str:
    """For dialogs that take away the organization's own account: event streams set up in it
    keep running on Twilio, and only that account can remove them."""
    if not streams:
        return ""
    which = " and ".join(streams)
    return (
        f"\n\n⚠ {which} still stream from its own Twilio account to Loquent: Twilio keeps "
        "sending them until you remove them on Sync → Event streaming first (removing needs "
        "the organization's own account)."
    )


def describe_connection(org: OrganizationRecord) -> tuple[str, bool]:
    """Rich text for the status block and whether the state is healthy."""
    if not org.byo_twilio:
        return (
            "<b>Shared mode.</b> Twilio calls use Loquent's shared account; "
            "Loquent is billed for numbers and usage.",
            True,
        )
    if not org.twilio_account_sid:
        return (
            "<b>Not connected.</b> This organization is set to use its own Twilio account but "
            "has no credentials, so nothing can be done on Twilio for it (Loquent's shared "
            "account is never used instead). Connect below, or switch to Shared.",
            False,
        )
    kind = "API key" if org.credential_kind == "api_key" else "Auth Token"
    rows = [
        ("Account", org.masked_account_sid),
        ("Name", org.account_friendly_name or "(not readable with this API key)"),
        ("Status", org.account_status or "—"),
        ("Type", org.account_type or "—"),
        ("Signed in with", kind + (f" {mask_sid(org.api_key_sid)}" if org.api_key_sid else "")),
    ]
    if org.credentials_verified_at is not None:
        checked = org.credentials_verified_at.astimezone().strftime("%Y-%m-%d %H:%M")
        rows.append(("Checked with Twilio", checked))
    table = "".join(
        f"<tr><td style='padding-right:12px'>{k}</td><td><b>{html.escape(v)}</b></td></tr>"
        for k, v in rows
    )
    active = org.account_status in (None, "active")
    if active:
        head = "<b style='color:#1b6e3a'>Connected ✓</b>"
    else:
        head = f"<b>Connected, but the account is {html.escape(org.account_status or '')}</b>"
    return f"{head}<table>{table}</table>", active


class CredentialsTab(QWidget):
    current_changed = Signal(object)  # OrganizationRecord | None

    def __init__(
        self,
        organizations: OrganizationService,
        connection: ConnectionService,
        tasks: TaskRunner,
        default_voice_url: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.default_voice_url = default_voice_url
        self.organizations = organizations
        self.connection = connection
        self.tasks = tasks
        self.current: OrganizationRecord | None = None

        splitter = QSplitter()
        splitter.addWidget(self._build_list())
        splitter.addWidget(self._build_details())
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 800])
        self.shared_box = SharedAccountBox(connection, tasks)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.shared_box)
        self._show(None)

    # -- building -------------------------------------------------------------------------
    def _build_list(self) -> QWidget:
        box = QGroupBox("Organizations")
        layout = QVBoxLayout(box)
        self.org_list = QListWidget()
        self.org_list.setAccessibleName("Organizations")
        self.org_list.setSpacing(2)
        self.org_list.setMinimumWidth(240)
        self.org_list.currentItemChanged.connect(self._selection_changed)
        layout.addWidget(self.org_list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add…")
        self.add_button.setToolTip("Add an organization (Ctrl+N)")
        self.rename_button = QPushButton("Re&name…")
        self.rename_button.setToolTip("Rename the selected organization (F2)")
        self.remove_button = QPushButton("&Remove…")
        self.remove_button.setToolTip(
            "Forget the organization on this computer and delete its keychain entry. "
            "Nothing changes on Twilio."
        )
        for button in (self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(
            lambda: self.tasks.start(self.add_org(), "Add organization", busy=False)
        )
        self.rename_button.clicked.connect(
            lambda: self.tasks.start(self.rename_org(), "Rename organization", busy=False)
        )
        self.remove_button.clicked.connect(
            lambda: self.tasks.start(self.remove_org(), "Remove organization", busy=False)
        )
        QShortcut(QKeySequence.StandardKey.New, self, self.add_button.click)
        # F2 and Del act on the list only when it has focus: Del in a text field must never
        # offer to remove an organization.
        for key, button in (
            (QKeySequence(Qt.Key.Key_F2), self.rename_button),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.remove_button),
        ):
            shortcut = QShortcut(key, self.org_list, button.click)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        return box

    def _build_details(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        layout.addWidget(self.title)

        self.empty_hint = QLabel(
            "No organization yet. Press <b>Add…</b> (Ctrl+N) to create one, then choose whether "
            "it runs on Loquent's shared Twilio account or its own."
        )
        self.empty_hint.setWordWrap(True)
        layout.addWidget(self.empty_hint)

        self.mode_box = QGroupBox("Twilio account used for this organization")
        mode_layout = QVBoxLayout(self.mode_box)
        self.shared_radio = QRadioButton("Shared: Loquent's own Twilio account (default)")
        self.byo_radio = QRadioButton("BYO: the organization's own Twilio account")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.shared_radio)
        self.mode_group.addButton(self.byo_radio)
        mode_layout.addWidget(self.shared_radio)
        mode_layout.addWidget(self.byo_radio)
        self.byo_radio.toggled.connect(self._mode_clicked)
        layout.addWidget(self.mode_box)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("Connection status")
        layout.addWidget(self.status)
        check_row = QHBoxLayout()
        self.check_button = QPushButton("Check &connection")
        self.check_button.setToolTip(
            "Ask Twilio again whether the credentials work (read-only, changes nothing)"
        )
        self.check_result = QLabel()
        self.check_result.setWordWrap(True)
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.check_result, 1)
        layout.addLayout(check_row)
        self.check_button.clicked.connect(
            lambda: self.tasks.start(self.check(), "Check connection", on_error=self._check_failed)
        )

        self.connect_box = QGroupBox("Connect the organization's Twilio account")
        connect_layout = QVBoxLayout(self.connect_box)
        self.form = CredentialsForm()
        connect_layout.addWidget(self.form)
        buttons = QHBoxLayout()
        self.connect_button = QPushButton("&Validate and connect")
        self.connect_button.setToolTip(
            "Checks the credentials with Twilio (read-only) before anything is saved. "
            "Secrets go to the OS keychain only."
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.disconnect_button = QPushButton("&Disconnect…")
        self.disconnect_button.setToolTip(
            "Delete the credentials from the keychain. Nothing changes on Twilio."
        )
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.disconnect_button)
        connect_layout.addLayout(buttons)
        self.error = ErrorLabel()
        connect_layout.addWidget(self.error)
        layout.addWidget(self.connect_box)
        layout.addWidget(self._build_loquent_box())
        layout.addStretch(1)

        self.connect_button.clicked.connect(self._connect_clicked)
        self.disconnect_button.clicked.connect(
            lambda: self.tasks.start(self.disconnect(), "Disconnect", busy=False)
        )
        self.form.account_sid.returnPressed.connect(self.connect_button.click)
        self.form.auth_token.returnPressed.connect(self.connect_button.click)
        self.form.api_key_secret.returnPressed.connect(self.connect_button.click)
        self._connect_task = None
        self.cancel_button.clicked.connect(self._cancel_connect)
        return panel

    def _build_loquent_box(self) -> QWidget:
        self.loquent_box = QGroupBox("Loquent")
        row = QHBoxLayout(self.loquent_box)
        row.addWidget(QLabel("Voice URL for this organization's calls"))
        self.voice_url = QLineEdit()
        self.voice_url.setPlaceholderText(f"{self.default_voice_url} (default)")
        self.voice_url.setToolTip(
            "Where numbers bought or routed for this organization send their calls. Leave "
            "empty for the default. Saved on this computer only; nothing changes on Twilio."
        )
        self.save_voice_url = QPushButton("Save")
        self.voice_url_message = QLabel()
        row.addWidget(self.voice_url, 1)
        row.addWidget(self.save_voice_url)
        row.addWidget(self.voice_url_message)
        self.save_voice_url.clicked.connect(self._save_voice_url)
        self.voice_url.returnPressed.connect(self._save_voice_url)
        return self.loquent_box

    def _save_voice_url(self) -> None:
        if self.current is None:
            return
        self.tasks.start(
            self.save_voice_url_for(self.current.id, self.voice_url.text()),
            "Save voice URL",
            on_error=self._voice_url_failed,
        )

    async def save_voice_url_for(self, org_id: int, url: str) -> None:
        org = await self.organizations.set_voice_url(org_id, url)
        self._replace(org)
        if self._is_current(org_id):
            self.voice_url_message.setStyleSheet(OK_STYLE)
            self.voice_url_message.setText("Saved.")

    def _voice_url_failed(self, exc: BaseException) -> None:
        self.voice_url_message.setStyleSheet(ERROR_STYLE)
        self.voice_url_message.setText(user_text(exc))

    # -- loading --------------------------------------------------------------------------
    async def load(self, select_id: int | None = None) -> None:
        orgs = await self.organizations.list()
        keep = select_id if select_id is not None else (self.current.id if self.current else None)
        self.org_list.blockSignals(True)
        self.org_list.clear()
        for org in orgs:
            item = QListWidgetItem(self._label(org))
            item.setData(Qt.ItemDataRole.UserRole, org)
            self.org_list.addItem(item)
        self.org_list.blockSignals(False)
        index = next((i for i, o in enumerate(orgs) if o.id == keep), 0 if orgs else -1)
        self.org_list.setCurrentRow(index)
        if index < 0:
            self._show(None)
        else:
            self._selection_changed(self.org_list.currentItem(), None)
        await self.shared_box.load()

    @staticmethod
    def _label(org: OrganizationRecord) -> str:
        if not org.byo_twilio:
            return f"{org.name}\nShared account"
        if not org.twilio_account_sid:
            return f"{org.name}\nBYO ⚠ not connected"
        return f"{org.name}\nBYO {org.masked_account_sid}"

    def _selection_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        self._show(item.data(Qt.ItemDataRole.UserRole) if item else None)

    def _is_current(self, org_id: int) -> bool:
        return self.current is not None and self.current.id == org_id

    def _replace(self, org: OrganizationRecord) -> None:
        """A fresher record of `org` arrived (often after an await): update its list entry,
        and the details only if the user still has it selected."""
        for row in range(self.org_list.count()):
            item = self.org_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole).id == org.id:
                item.setText(self._label(org))
                item.setData(Qt.ItemDataRole.UserRole, org)
        if self._is_current(org.id):
            self._show(org)

    def _show(self, org: OrganizationRecord | None) -> None:
        if org is None or self.current is None or org.id != self.current.id:
            # Never carry a typed secret over to another organization.
            self.form.clear()
            self._set_connecting(False)
        self.current = org
        has_org = org is not None
        for widget in (
            self.mode_box,
            self.status,
            self.connect_box,
            self.check_button,
            self.loquent_box,
        ):
            widget.setVisible(has_org)
        self.check_result.clear()
        self.voice_url_message.clear()
        self.voice_url.setText(org.voice_url or "" if org else "")
        self.empty_hint.setVisible(not has_org)
        self.rename_button.setEnabled(has_org)
        self.remove_button.setEnabled(has_org)
        self.title.setText(org.name if org else "Organizations")
        if org is not None:
            self.byo_radio.blockSignals(True)
            (self.byo_radio if org.byo_twilio else self.shared_radio).setChecked(True)
            self.byo_radio.blockSignals(False)
            text, healthy = describe_connection(org)
            self.status.setText(text)
            self.status.setStyleSheet("" if healthy else ERROR_STYLE)
            self.connect_box.setVisible(org.byo_twilio)
            self.check_button.setVisible(not org.byo_twilio or bool(org.twilio_account_sid))
            self.disconnect_button.setEnabled(bool(org.twilio_account_sid))
            self.connect_box.setTitle(
                "Replace the credentials"
                if org.twilio_account_sid
                else "Connect the organization's Twilio account"
            )
        self.error.clear()
        self.current_changed.emit(org)

    # -- actions --------------------------------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        text = (
            str(exc)
            if isinstance(exc, LoquentError)
            else (f"Something unexpected went wrong ({type(exc).__name__}). See the log file.")
        )
        if not isinstance(exc, LoquentError):
            log.error("Unexpected error", exc_info=exc)
        self.error.setText(text)
        self.error.setVisible(True)
        if not self.connect_box.isVisible():
            self.window().statusBar().showMessage(text, 10000)  # type: ignore[attr-defined]

    def _connect_clicked(self) -> None:
        if self.current is None:
            return
        try:
            credentials = self.form.credentials()
        except InvalidInput as err:
            self.error.setText(str(err))
            field = self.form.field_for(err)
            if field is not None:
                field.setFocus()
                field.selectAll()
            return
        self.error.setText("Checking the credentials with Twilio…")
        self.error.setStyleSheet("")
        self._set_connecting(True)
        org_id = self.current.id
        self._connect_task = self.tasks.start(
            self.connect_org(org_id, credentials),
            "Validate credentials",
            on_error=lambda exc: self._connect_failed(org_id, exc),
        )

    def _set_connecting(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.form.setEnabled(not busy)

    def _cancel_connect(self) -> None:
        if self._connect_task is not None:
            self._connect_task.cancel()
        self._set_connecting(False)
        self.error.setText("Cancelled: nothing was saved.")

    def _connect_failed(self, org_id: int, exc: BaseException) -> None:
        if not self._is_current(org_id):
            self.window().statusBar().showMessage(f"Connecting failed: {exc}", 15000)  # type: ignore[attr-defined]
            return
        self._set_connecting(False)
        self.error.setStyleSheet(ERROR_STYLE)
        self.show_error(exc)

    async def connect_org(self, org_id: int, credentials: Credentials) -> None:
        try:
            info = await self.connection.validate(credentials)
            # Another organization on the same account is allowed, but said (a read only).
            others = await self.connection.sharing_account(org_id, credentials.account_sid)
            # Valid: from here on the save runs to its end (keychain, then database), so
            # Cancel would no longer tell the truth.
            if self._is_current(org_id):
                self.cancel_button.hide()
            await self.tasks.protect(self.connection.save(org_id, credentials, info))
        finally:
            if self._is_current(org_id):
                self.form.clear_secrets()
        org = await self.organizations.get(org_id)
        self._replace(org)
        if self._is_current(org_id):
            self._set_connecting(False)
            self.form.clear()
            text = "Connected. The secret is stored in the OS keychain only."
            if others:
                names = ", ".join(f"“{o.name}”" for o in others)
                text += (
                    f"\n⚠ {names} already {'uses' if len(others) == 1 else 'use'} this Twilio "
                    f"account ({org.masked_account_sid}). "
                    "Its numbers, voice routing and event streams are shared between these "
                    "organizations: a change made for one affects the others, and event "
                    "streaming is set up once per account."
                )
            self.error.setStyleSheet(WARN_STYLE if others else OK_STYLE)
            self.error.setText(text)

    async def check(self) -> None:
        org = self.current
        if org is None:
            return
        self.check_result.setStyleSheet("")
        self.check_result.setText("Checking with Twilio…")
        info = await self.connection.check(org.id)
        if org.byo_twilio:
            self._replace(await self.organizations.get(org.id))
        if not self._is_current(org.id):
            return
        name = info.friendly_name or "name not readable with this API key"
        self.check_result.setStyleSheet(OK_STYLE)
        self.check_result.setText(f"Works: {mask_sid(info.sid)} ({name}).")

    def _check_failed(self, exc: BaseException) -> None:
        self.check_result.setStyleSheet(ERROR_STYLE)
        self.check_result.setText(user_text(exc))

    async def disconnect(self) -> None:
        org = self.current
        if org is None or not org.twilio_account_sid:
            return
        if not await confirm(
            self,
            "Disconnect",
            f"Delete the Twilio credentials of {org.name} "
            f"({org.masked_account_sid}) from this computer's keychain?\n\n"
            "Nothing changes on Twilio. Until you connect again, nothing can be done on Twilio "
            "for this organization."
            + streams_warning(await self.organizations.recorded_event_streams(org.id)),
            "Disconnect",
        ):
            return
        self._replace(await self.connection.disconnect(org.id))

    def _mode_clicked(self, byo: bool) -> None:
        org = self.current
        if org is None or org.byo_twilio == byo:
            return
        task = self.tasks.start(self.change_mode(org, byo), "Change mode", busy=False)
        # Whatever happened (cancelled, refused, failed), the radio buttons show what is saved.
        task.add_done_callback(lambda _t: self._show_saved_mode(org.id))

    def _show_saved_mode(self, org_id: int) -> None:
        if self._is_current(org_id) and self.current is not None:
            self.byo_radio.blockSignals(True)
            (self.byo_radio if self.current.byo_twilio else self.shared_radio).setChecked(True)
            self.byo_radio.blockSignals(False)

    async def change_mode(self, org: OrganizationRecord, byo: bool) -> None:
        # Moving a connected BYO organization to the shared account changes whose account
        # every later action uses and who pays for it: ask first. Event streams set up in its
        # own account keep running, and cannot be removed in Shared mode: say so.
        streams = [] if byo else await self.organizations.recorded_event_streams(org.id)
        leaving_own_account = not byo and (bool(org.twilio_account_sid) or bool(streams))
        account = f" ({org.masked_account_sid})" if org.twilio_account_sid else ""
        if leaving_own_account and not await confirm(
            self,
            "Use Loquent's shared account",
            f"Switch {org.name} from its own Twilio account{account} to Loquent's shared "
            "account?\n\n"
            "From now on, numbers bought and other Twilio actions for this organization use "
            "Loquent's shared account, and Loquent is billed for them. Its own credentials "
            "stay in the keychain: switch back to BYO at any time." + streams_warning(streams),
            "Switch to Shared",
        ):
            return
        await self.set_mode(org.id, byo)

    async def set_mode(self, org_id: int, byo: bool) -> None:
        self._replace(await self.organizations.set_mode(org_id, byo))

    async def add_org(self) -> None:
        name = await self._ask_text("Add organization", "Name of the organization:", "")
        if name is None:
            return
        org = await self.organizations.add(name)
        await self.load(select_id=org.id)

    async def rename_org(self) -> None:
        org = self.current
        if org is None:
            return
        name = await self._ask_text("Rename organization", "New name:", org.name)
        if name is None or name.strip() == org.name:
            return
        renamed = await self.organizations.rename(org.id, name)
        await self.load(select_id=renamed.id)

    async def remove_org(self) -> None:
        org = self.current
        if org is None:
            return
        text = (
            f"Remove {org.name} from Loquent Desktop?\n\nIts credentials are deleted from the "
            "keychain and its local records are forgotten. Nothing changes on Twilio; the "
            "journal keeps its history."
        )
        if saved := await self.organizations.saved_voice_configs(org.id):
            text += (
                f"\n\n⚠ {saved} of its numbers point at Loquent and their previous voice "
                "configuration is saved only here: after removing, Restore is no longer "
                "possible. Restore them on the Voice routing tab first if they may go back."
            )
        text += streams_warning(await self.organizations.recorded_event_streams(org.id))
        if not await confirm(self, "Remove organization", text, "Remove"):
            return
        await self.organizations.remove(org.id)
        self.current = None
        await self.load()

    async def _ask_text(self, title: str, label: str, text: str) -> str | None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        accepted = await answer(dialog)
        value = dialog.textValue()
        dialog.deleteLater()
        return value if accepted else None
