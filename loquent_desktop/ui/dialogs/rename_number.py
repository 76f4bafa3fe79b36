"""Ask for a number's new friendly name. Nothing is sent from here: the answer becomes a plan
that is shown and confirmed like every other account change."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ...domain.validation import format_phone
from .awaitable import answer

FRIENDLY_NAME_MAX = 64  # Twilio's limit


class RenameNumberDialog(QDialog):
    def __init__(self, phone_number: str, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Rename {format_phone(phone_number)}")
        self.setMinimumWidth(420)
        layout = QFormLayout(self)
        intro = QLabel(
            "The friendly name is a label on Twilio (the Console and other platforms show "
            "it). The next step shows the change before anything is sent."
        )
        intro.setWordWrap(True)
        layout.addRow(intro)
        self.name = QLineEdit(current)
        self.name.setMaxLength(FRIENDLY_NAME_MAX)
        self.name.selectAll()
        layout.addRow("Friendly name", self.name)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Review change…")
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
        self.name.textChanged.connect(lambda t: self.ok_button.setEnabled(bool(t.strip())))
        self.ok_button.setEnabled(bool(current.strip()))

    @classmethod
    async def ask(cls, parent: QWidget | None, phone_number: str, current: str) -> str | None:
        """The new name, or None when cancelled."""
        dialog = cls(phone_number, current, parent)
        try:
            accepted = await answer(dialog) == QDialog.DialogCode.Accepted
            return dialog.name.text() if accepted else None
        finally:
            dialog.deleteLater()
