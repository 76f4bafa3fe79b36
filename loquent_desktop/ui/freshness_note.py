"""The line above a table that shows Loquent's last known state because Twilio cannot be
reached: "Twilio could not be reached — showing what Loquent last saw 3 h ago (…)". Hidden
while what is shown is live. Used by the Numbers and Voice routing tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ..domain.last_known import Freshness, age_text
from .style import Role, css


class FreshnessNote(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(css(Role.WARN))
        self.hide()

    def show_freshness(self, freshness: Freshness) -> None:
        self.setText(freshness.banner())
        self.setVisible(not freshness.live)


def seen_title(freshness: Freshness) -> str:
    """The title of a box of values read from Twilio: live, or when Loquent last saw them."""
    if freshness.live:
        return "Live on Twilio"
    if freshness.read_at is None:
        return "Stored in Loquent (Twilio not read)"
    return f"On Twilio when Loquent last saw it ({age_text(freshness.read_at)})"
