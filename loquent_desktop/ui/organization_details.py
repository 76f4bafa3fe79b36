"""The details of the current organization on the Credentials tab: the Twilio account mode
it runs in, its connection and credentials, and its Loquent Voice URL.

It always shows `OrganizationSelection.current`; results of work started for an
organization no longer selected update the list entry, and otherwise go to the status bar.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.credentials import Credentials
from ..domain.errors import InvalidInput, LoquentError
from ..domain.records import OrganizationRecord
from ..domain.validation import mask_sid
from ..services.connection import ConnectionService
from ..services.leaving_byo import LeavingByoService
from ..services.leaving_byo_plans import DISCONNECT, SWITCH
from ..services.organizations import OrganizationService
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .credentials_form import CredentialsForm, ask_to_share_account
from .leaving_byo_dialog import ask_leave, note_kept
from .organization_texts import describe_connection, disconnect_question, switch_question
from .selection import OrganizationSelection
from .style import Role, css, title
from .widgets import ErrorLabel, user_text

log = logging.getLogger(__name__)


class OrganizationDetails(QWidget):
    def __init__(
        self,
        organizations: OrganizationService,
        connection: ConnectionService,
        tasks: TaskRunner,
        selection: OrganizationSelection,
        default_voice_url: str,
        parent: QWidget | None = None,
        *,
        leaving: LeavingByoService | None = None,
        plans: PlanRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.leaving, self.plans = leaving, plans
        self.default_voice_url = default_voice_url
        self.organizations = organizations
        self.connection = connection
        self.tasks = tasks
        self.selection = selection
        self._shown_id: int | None = None
        self._connect_task: asyncio.Task[Any] | None = None
        self._build()
        selection.track(self._show)

    @property
    def current(self) -> OrganizationRecord | None:
        return self.selection.current

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet(title())
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
            lambda: self.tasks.start(self.disconnect_org(), "Disconnect", busy=False)
        )
        self.form.account_sid.returnPressed.connect(self.connect_button.click)
        self.form.auth_token.returnPressed.connect(self.connect_button.click)
        self.form.api_key_secret.returnPressed.connect(self.connect_button.click)
        self.cancel_button.clicked.connect(self._cancel_connect)

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
        self.selection.update(org)
        if self._is_current(org_id):
            self.voice_url_message.setStyleSheet(css(Role.OK))
            self.voice_url_message.setText("Saved.")

    def _voice_url_failed(self, exc: BaseException) -> None:
        self.voice_url_message.setStyleSheet(css(Role.ERROR))
        self.voice_url_message.setText(user_text(exc))

    def _is_current(self, org_id: int) -> bool:
        return self.selection.is_current(org_id)

    def _show(self) -> None:
        org = self.selection.current
        if org is None or org.id != self._shown_id:
            # Never carry a typed secret over to another organization.
            self.form.clear()
            self._set_connecting(False)
        self._shown_id = org.id if org is not None else None
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
        self.title.setText(org.name if org else "Organizations")
        if org is not None:
            self.byo_radio.blockSignals(True)
            (self.byo_radio if org.byo_twilio else self.shared_radio).setChecked(True)
            self.byo_radio.blockSignals(False)
            text, healthy = describe_connection(org)
            self.status.setText(text)
            self.status.setStyleSheet("" if healthy else css(Role.ERROR))
            if not org.byo_twilio and self.leaving is not None:  # where saved configs are
                self.tasks.start_scoped(note_kept(self.status, self.leaving, org.id), "Read")
            self.connect_box.setVisible(org.byo_twilio)
            self.check_button.setVisible(not org.byo_twilio or bool(org.twilio_account_sid))
            self.disconnect_button.setEnabled(bool(org.twilio_account_sid))
            self.connect_box.setTitle(
                "Replace the credentials"
                if org.twilio_account_sid
                else "Connect the organization's Twilio account"
            )
        self.error.clear()

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
            self.connect_after_asking(org_id, credentials),
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
        self.error.setStyleSheet(css(Role.ERROR))
        self.show_error(exc)

    async def connect_after_asking(self, org_id: int, credentials: Credentials) -> None:
        """Connect, but first ask when another organization already uses the account: a
        question before the consequence, not only a warning after it."""
        others = await self.connection.sharing_account(org_id, credentials.account_sid)
        names = [o.name for o in others]
        if names and not await ask_to_share_account(self, names, mask_sid(credentials.account_sid)):
            if self._is_current(org_id):
                self._set_connecting(False)
                self.form.clear_secrets()
                self.error.setStyleSheet("")
                self.error.setText("Not connected: nothing was checked or saved.")
            return
        await self.connect_org(org_id, credentials)

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
        self.selection.update(org)
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
            self.error.setStyleSheet(css(Role.WARN if others else Role.OK))
            self.error.setText(text)

    async def check(self) -> None:
        org = self.current
        if org is None:
            return
        self.check_result.setStyleSheet("")
        self.check_result.setText("Checking with Twilio…")
        info = await self.connection.check(org.id)
        if org.byo_twilio:
            self.selection.update(await self.organizations.get(org.id))
        if not self._is_current(org.id):
            return
        name = info.friendly_name or "name not readable with this API key"
        self.check_result.setStyleSheet(css(Role.OK))
        self.check_result.setText(f"Works: {mask_sid(info.sid)} ({name}).")

    def _check_failed(self, exc: BaseException) -> None:
        self.check_result.setStyleSheet(css(Role.ERROR))
        self.check_result.setText(user_text(exc))

    async def disconnect_org(self) -> None:
        org = self.current
        if org is None or not org.twilio_account_sid:
            return
        intro = disconnect_question(org)
        if not await ask_leave(
            self, self.leaving, self.plans, org.id, "Disconnect", intro, DISCONNECT, "Disconnect"
        ):
            return
        self.selection.update(await self.connection.disconnect(org.id))

    def _mode_clicked(self, byo: bool) -> None:
        org = self.current
        if org is None or org.byo_twilio == byo:
            return
        task = self.tasks.start(self.change_mode(org, byo), "Change mode", busy=False)
        # Whatever happened (cancelled, refused, failed), the radio buttons show what is saved.
        task.add_done_callback(lambda _t: self._show_saved_mode(org.id))

    def _show_saved_mode(self, org_id: int) -> None:
        org = self.current
        if org is not None and org.id == org_id:
            self.byo_radio.blockSignals(True)
            (self.byo_radio if org.byo_twilio else self.shared_radio).setChecked(True)
            self.byo_radio.blockSignals(False)

    async def change_mode(self, org: OrganizationRecord, byo: bool) -> None:
        # Moving a connected BYO organization to the shared account changes whose account
        # every later action uses and who pays for it: ask first, with what Loquent leaves on
        # its own account (numbers pointing at Loquent, event streams) and the offer to undo it.
        streams = [] if byo else await self.organizations.recorded_event_streams(org.id)
        leaving_own_account = not byo and (bool(org.twilio_account_sid) or bool(streams))
        title, intro = "Use Loquent's shared account", switch_question(org)
        if leaving_own_account and not await ask_leave(
            self, self.leaving, self.plans, org.id, title, intro, SWITCH, "Switch to Shared"
        ):
            return
        await self.set_mode(org.id, byo)

    async def set_mode(self, org_id: int, byo: bool) -> None:
        self.selection.update(await self.organizations.set_mode(org_id, byo))
