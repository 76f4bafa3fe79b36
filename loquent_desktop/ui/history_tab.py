"""History: the local journal of every change planned against a Twilio account."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.plans import Change
from ..store.repositories import AuditRecord, AuditRepository
from .models.filtered_table_model import FilteredTableModel

COLUMNS = ("When", "Organization", "Action", "Outcome")
OUTCOME_COLOURS = {"succeeded": "#1b6e3a", "failed": "#b3261e", "cancelled": "#6b6b6b"}


def plan_text(entry: AuditRecord) -> str:
    plan: dict[str, Any] = entry.plan or {}
    lines = [entry.title, f"Organization: {entry.organization_name} ({plan.get('account', '')})"]
    for change in plan.get("changes", []):
        lines.append(f"• {Change(**change).describe()}")
    lines.append(f"Cost: {plan.get('cost', '')}")
    lines += [f"Affected: {a}" for a in plan.get("affected", [])]
    lines.append(f"Outcome: {entry.outcome or 'interrupted (the app stopped mid-change)'}")
    for key, value in (entry.result or {}).items():
        lines.append(f"Result: {key.replace('_', ' ')} {value}")
    if entry.error:
        lines.append(f"Error: {entry.error}")
    return "\n".join(lines)


class HistoryModel(FilteredTableModel[AuditRecord]):
    COLUMNS = COLUMNS

    def row_texts(self, item: AuditRecord) -> tuple[str, ...]:
        return (
            item.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            item.organization_name or "—",
            item.title,
            item.outcome or "interrupted",
        )

    def cell_data(self, item: AuditRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return QColor(OUTCOME_COLOURS.get(item.outcome or "", "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return plan_text(item)
        return None


class HistoryTab(QWidget):
    def __init__(self, audit: AuditRepository, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audit = audit
        self.model = HistoryModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select an entry to see exactly what was planned.")
        self.empty = QLabel(
            "Nothing yet. Every change made to a Twilio account from this app (buying a number, "
            "changing where calls go, event streaming) is recorded here, including cancelled ones."
        )
        self.empty.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by organization, action or outcome")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.model.set_filter)
        refresh = QPushButton("Refresh")
        refresh.setShortcut("F5")
        refresh.setToolTip("Reload the journal (F5)")
        refresh.clicked.connect(lambda: asyncio.ensure_future(self.load()))
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(refresh)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.details.setPlainText(plan_text(self.model.item_at(current.row())))

    async def load(self) -> None:
        entries = await asyncio.to_thread(self.audit.list, 500)
        self.model.set_items(entries)
        self.empty.setVisible(not entries)
