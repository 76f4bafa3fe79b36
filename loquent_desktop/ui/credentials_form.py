"""The fields for one set of Twilio credentials: Account SID with Auth Token, or API key.

Secrets are typed into password fields and cleared as soon as they have been used, so they
never linger on screen or in the widget tree.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from ..domain.credentials import CredentialKind, Credentials
from ..domain.errors import InvalidInput


class CredentialsForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.kind = QComboBox()
        self.kind.addItem("Account SID + Auth Token", CredentialKind.AUTH_TOKEN)
        self.kind.addItem("API key (SID + secret)", CredentialKind.API_KEY)
        self.kind.setToolTip(
            "An API key can be revoked on its own, without changing the account's Auth Token."
        )
        self.account_sid = QLineEdit()
        self.account_sid.setPlaceholderText("AC followed by 32 characters")
        self.account_sid.setToolTip("Twilio Console → Account info → Account SID")
        self.auth_token = self._secret_field("32 characters", "Twilio Console → Auth Token")
        self.api_key_sid = QLineEdit()
        self.api_key_sid.setPlaceholderText("SK followed by 32 characters")
        self.api_key_secret = self._secret_field(
            "shown once when the key was created", "The secret shown when the API key was made"
        )

        layout.addRow("Method", self.kind)
        layout.addRow("Account SID", self.account_sid)
        layout.addRow("Auth Token", self.auth_token)
        layout.addRow("API key SID", self.api_key_sid)
        layout.addRow("API key secret", self.api_key_secret)
        self._layout = layout
        self.kind.currentIndexChanged.connect(self._sync_kind)
        self._sync_kind()

    @staticmethod
    def _secret_field(placeholder: str, tip: str) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setPlaceholderText(placeholder)
        field.setToolTip(tip)
        return field

    @property
    def selected_kind(self) -> CredentialKind:
        return CredentialKind(self.kind.currentData())

    def set_kind(self, kind: CredentialKind) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def _sync_kind(self) -> None:
        api_key = self.selected_kind is CredentialKind.API_KEY
        self._layout.setRowVisible(self.auth_token, not api_key)
        self._layout.setRowVisible(self.api_key_sid, api_key)
        self._layout.setRowVisible(self.api_key_secret, api_key)

    def credentials(self) -> Credentials:
        """Validated credentials, or InvalidInput naming the field that is wrong."""
        if self.selected_kind is CredentialKind.API_KEY:
            return Credentials.from_api_key(
                self.account_sid.text(), self.api_key_sid.text(), self.api_key_secret.text()
            )
        return Credentials.from_auth_token(self.account_sid.text(), self.auth_token.text())

    def field_for(self, error: InvalidInput) -> QLineEdit | None:
        return {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "api_key_sid": self.api_key_sid,
            "api_key_secret": self.api_key_secret,
        }.get(error.field)

    def clear_secrets(self) -> None:
        self.auth_token.clear()
        self.api_key_secret.clear()

    def clear(self) -> None:
        self.clear_secrets()
        self.account_sid.clear()
        self.api_key_sid.clear()
