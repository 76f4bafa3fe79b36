"""The selected number's voice routing in full: live fields, the saved previous
configuration (with anything changed since Loquent configured it) and its history."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.monitor_events import NumberChanges
from ..domain.validation import format_phone
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import FIELDS, NumberRouting, shown
from ..services.voice_routing_history import RoutingEvent
from .recordings_number_box import NumberRecordingBox
from .style import Role, colour, css, span
from .twilio_changes_box import TwilioChangesBox, drift_explanation

OUTCOME_ROLES = {
    "succeeded": Role.OK,
    "failed": Role.ERROR,
    "interrupted": Role.ERROR,
    "unknown": Role.WARN,
}
# History columns: the change and its outcome first, so a narrow panel still tells a
# cancelled plan from a change that was made.
WHEN, CHANGE, OUTCOME, BEFORE, AFTER = range(5)


class ConfigForm(QGroupBox):
    """The eight routing fields of one configuration, read-only."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for name, label in FIELDS.items():
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.RichText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.values[name] = value
            form.addRow(f"{label}:", value)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)

    def show_config(
        self, config: VoiceConfig | None, note: str = "", changed: set[str] | None = None
    ) -> None:
        for name, value in self.values.items():
            text = shown(name, getattr(config, name)) if config is not None else ""
            escaped = html.escape(text) if text else span(Role.MUTED, "(not set)")
            if changed and name in changed:
                escaped = span(Role.ERROR, f"<b>{escaped}</b> (changed since)", escape=False)
            value.setText(escaped if config is not None else "")
        self.note.setText(note)


class VoiceDetails(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.live = ConfigForm("Live on Twilio")
        # Who made the drift, from Twilio's Monitor (shown once the changes are read).
        self.changed_by = QLabel()
        self.changed_by.setWordWrap(True)
        self.changed_by.setTextFormat(Qt.TextFormat.PlainText)
        self.changed_by.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.changed_by.setStyleSheet(css(Role.ERROR))
        self.changes = TwilioChangesBox()
        # What decides recording for the number (attached by the window: it reads Twilio).
        self.recording = NumberRecordingBox()
        self._number: NumberRouting | None = None
        self.previous = ConfigForm("Saved previous configuration")
        self.history = QTableWidget(0, 5)
        self.history.setHorizontalHeaderLabels(["When", "Change", "Outcome", "Before", "After"])
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setWordWrap(True)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.history_empty = QLabel("No voice-routing changes for this number yet.")
        self.history_empty.setStyleSheet(css(Role.MUTED))
        history_box = QGroupBox("History")
        box_layout = QVBoxLayout(history_box)
        box_layout.addWidget(self.history_empty)
        box_layout.addWidget(self.history)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.live)
        layout.addWidget(self.changed_by)
        layout.addWidget(self.recording)
        layout.addWidget(self.previous)
        layout.addWidget(history_box, 1)
        layout.addWidget(self.changes, 1)
        self.show_number(None)

    def show_number(self, number: NumberRouting | None) -> None:
        self._number = number
        self.recording.show_number(number)
        self.changed_by.hide()
        self.changes.show_changes(None)
        for widget in (self.live, self.previous, self.changes):
            widget.setVisible(number is not None)
        if number is None:
            self.heading.setText("<i>Select a number to see its voice configuration.</i>")
            self.show_history([])
            return
        title = html.escape(format_phone(number.phone_number))
        name = html.escape(number.friendly_name or "")
        self.heading.setText(f"<b>{title}</b> {name}<br><small>{number.sid}</small>")
        route = number.route
        live_note = (
            f"Who answers: {route.describe()}" if route is not None else (number.problem or "")
        )
        updated = number.live.date_updated if number.live is not None else None
        if updated is not None:
            live_note += f" · updated on Twilio {updated:%Y-%m-%d %H:%M} UTC"
        self.live.show_config(number.live, live_note, {c.field for c in number.drift})
        if number.previous is None:
            self.previous.show_config(None, "None saved: there is nothing to restore.")
        else:
            when = number.snapshot_taken_at
            note = f"Saved {when:%Y-%m-%d %H:%M} UTC, before Loquent changed it." if when else ""
            self.previous.show_config(number.previous, note)

    def show_changes(self, changes: NumberChanges) -> None:
        """The number's changes on Twilio, and who made its drift (if any is recorded)."""
        if self._number is None or changes.number_sid != self._number.sid:
            return  # read for a number no longer shown
        self.changes.show_changes(changes)
        why = drift_explanation(self._number, changes)
        self.changed_by.setText(why)
        self.changed_by.setVisible(bool(why))

    def show_history(self, events: list[RoutingEvent]) -> None:
        self.history.setRowCount(len(events))
        for row, event in enumerate(events):
            outcome = event.outcome + (f": {event.error}" if event.error else "")
            cells = [
                f"{event.when:%Y-%m-%d %H:%M}",
                event.action,
                outcome,
                event.before,
                event.after,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if event.made_no_change:  # greyed: it is not part of the number's story
                    item.setForeground(colour(Role.MUTED))
                elif column == OUTCOME and event.outcome in OUTCOME_ROLES:
                    item.setForeground(colour(OUTCOME_ROLES[event.outcome]))
                self.history.setItem(row, column, item)
        self.history.resizeRowsToContents()
        self.history.setVisible(bool(events))
        self.history_empty.setVisible(not events)
