"""The Loquent shared account: configured once for the app, kept in the keychain.

Organizations in Shared mode run on it; BYO organizations never fall back to it.
"""

from __future__ import annotations

import asyncio
import logging

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.account import AccountInfo
from ..domain.credentials import Credentials
from ..domain.errors import InvalidInput, LoquentError
from ..services.connection import ConnectionService
from .async_tasks import TaskRunner
from .credentials_form import CredentialsForm
from .dialogs.awaitable import answer
from .dialogs.message import confirm
from .style import Role, css
from .widgets import user_text

log = logging.getLogger(__name__)


class SharedAccountDialog(QDialog):
    """Validates with Twilio before closing; stays open with the error otherwise."""

    def __init__(
        self, connection: ConnectionService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.tasks = tasks
        self.setWindowTitle("Loquent shared Twilio account")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Organizations in Shared mode use this account. Its secret is kept in the OS "
            "keychain of this computer only."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = CredentialsForm()
        layout.addWidget(self.form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(css(Role.ERROR))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.info: AccountInfo | None = None
        self._task: asyncio.Task[AccountInfo] | None = None
        self._saving = False

    def _save(self) -> None:
        try:
            credentials = self.form.credentials()
        except InvalidInput as err:
            self.error.setText(str(err))
            return
        self.error.setText("Checking the credentials with Twilio…")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self._task = asyncio.ensure_future(self._validate_and_store(credentials))
        self._task.add_done_callback(self._stored)

    async def _validate_and_store(self, credentials: Credentials) -> AccountInfo:
        info = await self.connection.validate(credentials)
        # Valid: the keychain write now runs to its end even if the dialog is closed.
        self._saving = True
        try:
            await self.tasks.protect(self.connection.save_shared(credentials))
        finally:
            self._saving = False
        return info

    def _stored(self, task: asyncio.Task[AccountInfo]) -> None:
        exc = None if task.cancelled() else task.exception()
        if exc is not None and not isinstance(exc, LoquentError):
            log.error("Configuring the shared account failed", exc_info=exc)
        if not shiboken6.isValid(self):
            return  # the dialog was closed and deleted meanwhile
        self.form.clear_secrets()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        if exc is not None:
            self.error.setText(user_text(exc))
        elif not task.cancelled():
            self.info = task.result()
            self.accept()

    def reject(self) -> None:
        """Esc or Cancel during validation stops it: nothing is saved. Once the keychain write
        has started the dialog stays until it is done (it is quick); quitting the app waits
        for it too (TaskRunner.protect)."""
        if self._saving:
            return
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().reject()


class SharedAccountBox(QGroupBox):
    changed = Signal()  # the shared account was configured or forgotten

    def __init__(
        self, connection: ConnectionService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__("Loquent shared account", parent)
        self.connection = connection
        self.tasks = tasks
        layout = QHBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary, 1)
        self.configure_button = QPushButton("Configure…")
        self.configure_button.setToolTip("Set the account that Shared-mode organizations use")
        self.forget_button = QPushButton("Forget")
        self.forget_button.setToolTip("Delete the shared account's credentials from the keychain")
        layout.addWidget(self.configure_button)
        layout.addWidget(self.forget_button)
        self.configure_button.clicked.connect(
            lambda: self.tasks.start(self.configure(), "Configure shared account", busy=False)
        )
        self.forget_button.clicked.connect(
            lambda: self.tasks.start(self.forget(), "Forget shared account", busy=False)
        )

    async def load(self) -> None:
        try:
            creds = await self.connection.shared_credentials()
        except LoquentError as err:
            self.summary.setText(str(err))
            self.forget_button.setEnabled(False)
            return
        if creds is None:
            self.summary.setText(
                "Not configured: organizations in Shared mode cannot reach Twilio until it is."
            )
        else:
            self.summary.setText(f"Account {creds.masked_sid} (secret in the OS keychain)")
        self.forget_button.setEnabled(creds is not None)

    async def configure(self) -> None:
        dialog = SharedAccountDialog(self.connection, self.tasks, self)
        accepted = await answer(dialog)
        info = dialog.info
        dialog.deleteLater()
        if accepted and info is not None:
            self.changed.emit()
            await self.load()
            name = info.friendly_name or "name not readable with this key"
            self.summary.setText(self.summary.text() + f" · {name}")

    async def forget(self) -> None:
        if await confirm(
            self,
            "Forget shared account",
            "Delete the shared account's credentials from this computer's keychain? "
            "Organizations in Shared mode will not reach Twilio until it is configured again.",
            "Forget",
        ):
            await self.connection.forget_shared()
            self.changed.emit()
            await self.load()
