"""The Loquent shared account: configured once for the app, kept in the keychain.

Organizations in Shared mode run on it; BYO organizations never fall back to it.
"""

from __future__ import annotations

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

from ..domain.errors import InvalidInput, LoquentError
from ..services.connection import ConnectionService
from .async_tasks import TaskRunner
from .credentials_form import CredentialsForm
from .dialogs.awaitable import answer
from .dialogs.message import confirm


class SharedAccountDialog(QDialog):
    """Validates with Twilio before closing; stays open with the error otherwise."""

    def __init__(self, connection: ConnectionService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connection = connection
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
        self.error.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.info = None
        self._task = None

    def _save(self) -> None:
        import asyncio

        try:
            credentials = self.form.credentials()
        except InvalidInput as err:
            self.error.setText(str(err))
            return
        self.error.setText("Checking the credentials with Twilio…")
        self.buttons.setEnabled(False)
        self._task = asyncio.ensure_future(self._validate_and_store(credentials))

    async def _validate_and_store(self, credentials) -> None:  # type: ignore[no-untyped-def]
        try:
            self.info = await self.connection.connect_shared(credentials)
        except LoquentError as err:
            self.error.setText(str(err))
            return
        finally:
            self.form.clear_secrets()
            self.buttons.setEnabled(True)
        self.accept()


class SharedAccountBox(QGroupBox):
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
            lambda: self.tasks.start(self.configure(), "Configure shared account")
        )
        self.forget_button.clicked.connect(
            lambda: self.tasks.start(self.forget(), "Forget shared account")
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
        dialog = SharedAccountDialog(self.connection, self)
        accepted = await answer(dialog)
        info = dialog.info
        dialog.deleteLater()
        if accepted and info is not None:
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
            await self.load()
