"""Yes/no questions and notices for local actions (not Twilio changes), awaited without
`exec()`."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from .awaitable import answer


async def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    box.setTextFormat(Qt.TextFormat.PlainText)  # the text quotes user-typed names
    ok = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await answer(box)
    accepted = box.clickedButton() is ok
    box.deleteLater()
    return accepted


async def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A notice with one OK button (e.g. "nothing to change")."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName("inform")
    box.setTextFormat(Qt.TextFormat.PlainText)
    await answer(box)
    box.deleteLater()
