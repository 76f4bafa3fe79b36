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

from ..domain.validation import format_phone
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import FIELDS, NumberRouting, shown
from ..services.voice_routing_history import RoutingEvent
from .style import Role, colour, css, span

OUTCOME_ROLES = {"succeeded": Role.OK, "failed": Role.ERROR, "interrupted": Role.ERROR}


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
        self.previous = ConfigForm("Saved previous configuration")
        self.history = QTableWidget(0, 5)
        self.history.setHorizontalHeaderLabels(["When", "Change", "Before", "After", "Outcome"])
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
        layout.addWidget(self.previous)
        layout.addWidget(history_box, 1)
        self.show_number(None)

    def show_number(self, number: NumberRouting | None) -> None:
        for widget in (self.live, self.previous):
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

    def show_history(self, events: list[RoutingEvent]) -> None:
        self.history.setRowCount(len(events))
        for row, event in enumerate(events):
            outcome = event.outcome + (f": {event.error}" if event.error else "")
            cells = [
                f"{event.when:%Y-%m-%d %H:%M}",
                event.action,
                event.before,
                event.after,
                outcome,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 4 and event.outcome in OUTCOME_ROLES:
                    item.setForeground(colour(OUTCOME_ROLES[event.outcome]))
                self.history.setItem(row, column, item)
        self.history.resizeRowsToContents()
        self.history.setVisible(bool(events))
        self.history_empty.setVisible(not events)
