"""SIP trunks page of the Recordings tab: the account's trunks with their numbers and
recording settings (Mode, Trim), and a change of a trunk's recording mode through the plan
dialog (an account change: plan → confirm → journal; cancel sends nothing).

Numbers on a trunk are marked: the trunk, not their Voice URL, decides their routing and
recording.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import PlanCancelled
from ..domain.trunks import RECORDING_MODES
from ..domain.validation import format_phone
from ..services.plan_runner import PlanRunner
from ..services.trunk_recording import TrunkRecordingService, TrunkView
from ..services.trunk_recording_plans import mode_text
from .async_tasks import TaskRunner
from .plan_flow import confirm_and_apply
from .style import Role, css

HEADERS = ("Trunk", "SID", "Recording mode", "Trim", "Numbers (the trunk decides their calls)")


class TrunksView(QWidget):
    loaded = Signal()

    def __init__(
        self, service: TrunkRecordingService, plans: PlanRunner, tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.service, self.plans, self.tasks = service, plans, tasks
        self.org_id: int | None = None
        self.trunks: list[TrunkView] = []
        self.busy = False
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.mode = QComboBox()
        for mode in RECORDING_MODES:
            self.mode.addItem(mode_text(mode), mode)
        self.change_button = QPushButton("Change recording mode…")
        self.restore_button = QPushButton("Restore previous mode…")
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("New mode:"))
        row.addWidget(self.mode)
        row.addWidget(self.change_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        note = QLabel(
            "A trunk's recording applies to every call it carries. Changing it changes the "
            "customer's Twilio account: you see the plan first, and the journal keeps it."
        )
        note.setWordWrap(True)
        note.setStyleSheet(css(Role.MUTED))
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.change_button.clicked.connect(self._change_clicked)
        self.restore_button.clicked.connect(self._restore_clicked)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def selected(self) -> TrunkView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.trunks[rows[0].row()] if rows else None

    async def load(self, org_id: int | None) -> None:
        self.org_id = org_id
        self.trunks = [] if org_id is None else await self.service.list_trunks(org_id)
        self.table.setRowCount(len(self.trunks))
        for i, view in enumerate(self.trunks):
            t = view.trunk
            numbers = ", ".join(format_phone(n.phone_number) for n in view.numbers) or "none"
            cells = (
                t.friendly_name or "", t.sid,
                mode_text(t.recording.mode if t.recording else None),
                t.recording.trim if t.recording else "", numbers,
            )  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(i, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if self.trunks and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self._selection_changed()
        self.loaded.emit()

    def _selection_changed(self) -> None:
        view = self.selected()
        self.change_button.setEnabled(view is not None and not self.busy)
        self.restore_button.setEnabled(
            view is not None and view.previous_mode is not None and not self.busy
        )
        if view is not None and view.previous_mode:
            self.restore_button.setToolTip(f"Back to: {mode_text(view.previous_mode)}")

    def _change_clicked(self) -> None:
        view = self.selected()
        if view is not None:
            self.tasks.start(self.change(view.trunk.sid, str(self.mode.currentData())),
                             "Change trunk recording", busy=False)  # fmt: skip

    def _restore_clicked(self) -> None:
        view = self.selected()
        if view is not None and view.previous_mode:
            self.tasks.start(self.change(view.trunk.sid, view.previous_mode, restore=True),
                             "Restore trunk recording", busy=False)  # fmt: skip

    async def change(self, trunk_sid: str, mode: str, restore: bool = False) -> None:
        """Plan, confirm and apply one trunk's new recording mode, then read the trunks
        again. Cancel sends nothing (and is journaled)."""
        if self.org_id is None:
            return
        self.busy = True
        self._selection_changed()
        try:
            change = await self.service.prepare_mode_change(
                self.org_id, trunk_sid, mode, restore=restore
            )
            try:
                done = await confirm_and_apply(self, self.plans, change, "Change mode")
            except PlanCancelled:
                self.status.setText("Cancelled: nothing was sent to Twilio.")
                self.status.setStyleSheet(css(Role.MUTED))
                return
            self.status.setText(f"The trunk now records as: {mode_text(done.mode)}.")
            self.status.setStyleSheet(css(Role.OK))
            await self.load(self.org_id)
        finally:
            self.busy = False
            self._selection_changed()
