"""The selected number's "Changes on Twilio": who changed it, how (Console or API), from where
and what, as Twilio's Monitor recorded it; next to Loquent's own history of the number.

Also the sentence beside a drift that says who made it. Both only show; they never ask
Twilio themselves (the Voice routing tab reads the changes through `NumberChangesService`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.monitor_events import NumberChanges, TwilioChange, explain_drift
from ..domain.voice_routing import NumberRouting
from .style import Role, colour, css

WHEN, WHO, HOW, WHAT = range(4)
EMPTY = "Twilio has recorded no changes to this number."
READING = "Reading who changed this number on Twilio…"


def drift_explanation(number: NumberRouting | None, changes: NumberChanges | None) -> str:
    """The sentence "Changed on Twilio … by user US… (203.0.113.7): Voice URL -> …" for each
    recorded change behind the number's drift (newest first); "" when there is none."""
    if number is None or changes is None or not number.drift:
        return ""
    since = number.routed_at or number.snapshot_taken_at
    found = explain_drift(number.drift, changes.changes, since)
    return "\n".join(change.describe() for change in found)


class TwilioChangesBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Changes on Twilio", parent)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["When (UTC)", "Who", "How", "What changed"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(110)  # a few changes stay readable in a crowded panel
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(css(Role.MUTED))
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        self.show_changes(None)

    def reading(self) -> None:
        self._show([], READING)

    def show_changes(self, changes: NumberChanges | None) -> None:
        """None: no number selected (or not read yet)."""
        if changes is None:
            self._show([], "")
        elif changes.problem:
            self._show([], changes.problem)
        else:
            self._show(list(changes.changes), "" if changes.changes else EMPTY)

    def _show(self, changes: list[TwilioChange], note: str) -> None:
        self.table.setRowCount(len(changes))
        for row, change in enumerate(changes):
            when = f"{change.event_date:%Y-%m-%d %H:%M}" if change.event_date else ""
            where = f" ({change.source_ip_address})" if change.source_ip_address else ""
            what = change.fields_text() or change.description or change.action
            cells = [when, change.who, (change.how or "") + where, f"{change.action}: {what}"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(change.describe())
                if change.by_these_credentials:
                    item.setForeground(colour(Role.MUTED))  # Loquent's own: the journal has it
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(changes))
        self.note.setText(note)
        self.note.setVisible(bool(note))
