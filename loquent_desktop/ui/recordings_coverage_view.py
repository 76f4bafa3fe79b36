""" "Is this number recorded?" page of the Recordings tab: for each imported number, what
decides whether its calls are recorded (trunk mode, Loquent's endpoint, a TwiML app or
another platform's URL, nobody). Read-only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.validation import format_phone
from ..services.recordings_coverage import NOBODY, TRUNK, NumberRecording, RecordingCoverage
from .async_tasks import TaskRunner
from .style import Role, colour, css

HEADERS = ("Number", "Recorded?", "What decides it")
DECIDERS = {
    TRUNK: "SIP trunk",
    "loquent": "Loquent",
    "twiml-app": "TwiML app",
    "other-platform": "Another platform",
    NOBODY: "Nobody",
}


class RecordingCoverageView(QWidget):
    def __init__(
        self, coverage: RecordingCoverage, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.coverage, self.tasks = coverage, tasks
        self.org_id: int | None = None
        self.rows: list[NumberRecording] = []
        self.setting = QCheckBox(
            "Loquent records the calls its endpoint answers (Loquent's setting for this "
            "organization; stored in Loquent, changes nothing on Twilio)"
        )
        self.setting.setEnabled(False)
        self.setting.toggled.connect(self._setting_toggled)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        note = QLabel(
            "Twilio records a number's calls when its SIP trunk's mode says so, or when the "
            "TwiML its app or Voice URL returns asks for it. Imported numbers, as last read "
            "from Twilio; trunks read now."
        )
        note.setWordWrap(True)
        note.setStyleSheet(css(Role.MUTED))
        layout = QVBoxLayout(self)
        layout.addWidget(self.setting)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)

    def _setting_toggled(self, enabled: bool) -> None:
        if self.org_id is not None and self.setting.isEnabled():
            self.tasks.start(self.save_setting(enabled), "Save recording setting")

    async def save_setting(self, enabled: bool) -> None:
        """Store Loquent's setting and show what it now means for each number."""
        if self.org_id is not None:
            await self.coverage.set_setting(self.org_id, enabled)
            await self.load(self.org_id)

    async def load(self, org_id: int | None) -> None:
        self.org_id = org_id
        self.setting.setEnabled(False)  # no save while the stored value is shown
        if org_id is not None:
            self.setting.setChecked(await self.coverage.setting(org_id))
        self.setting.setEnabled(org_id is not None)
        self.rows = [] if org_id is None else await self.coverage.numbers(org_id)
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            recorded = {True: "Yes", False: "No", None: "Depends"}[row.records]
            role = {True: Role.WARN, False: Role.MUTED, None: Role.NOTE}[row.records]
            cells = (format_phone(row.phone_number), recorded, row.text)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(DECIDERS[row.decider])
                if column == 1:
                    item.setForeground(colour(role))
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, column, item)
        self.table.resizeColumnsToContents()
