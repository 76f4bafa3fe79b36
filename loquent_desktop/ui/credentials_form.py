"""The fields for one set of Twilio credentials: Account SID with Auth Token, or API key.

Secrets are typed into password fields and cleared as soon as they have been used, so they
never linger on screen or in the widget tree.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from ..domain.credentials import CredentialKind, Credentials
from ..domain.errors import InvalidInput
from .capabilities_dialog import CapabilitiesDialog, open_capabilities
from .dialogs.message import confirm


async def ask_to_share_account(parent: QWidget, others: list[str], account: str) -> bool:
    """Asked before credentials of an account another organization already uses are checked
    or saved: allowed (one customer may be several organizations), but a change made for
    one then affects the others."""
    names = ", ".join(f"“{name}”" for name in others)
    verb = "uses" if len(others) == 1 else "use"
    text = (
        f"{names} already {verb} this Twilio account ({account}).\n\n"
        "If you connect it here too, its numbers, voice routing and event streams are shared "
        "between these organizations: a change made for one affects the others, and event "
        "streaming is set up once per account.\n\nConnect it anyway?"
    )
    return await confirm(parent, "This Twilio account is already in use", text, "Connect anyway")


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
        # Before anyone types a secret: what connecting lets this app do to the account.
        self.capabilities_link = QLabel(
            '<a href="#capabilities">What will Loquent do to this account?</a>'
        )
        self.capabilities_link.setToolTip(
            "Which actions change the Twilio account and which only read it"
        )
        self.capabilities_link.linkActivated.connect(lambda _link: self.show_capabilities())
        self.capabilities: CapabilitiesDialog | None = None
        layout.addRow("", self.capabilities_link)
        self._layout = layout
        self.kind.currentIndexChanged.connect(self._sync_kind)
        self._sync_kind()

    def show_capabilities(self) -> CapabilitiesDialog:
        self.capabilities = open_capabilities(self)
        return self.capabilities

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
