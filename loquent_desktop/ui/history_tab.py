"""History: the local journal of every change planned against a Twilio account."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..store.repositories import AuditRecord, AuditRepository

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("When", "Organization", "Action", "Outcome")
OUTCOME_COLOURS = {"succeeded": "#1b6e3a", "failed": "#b3261e", "cancelled": "#6b6b6b"}


def plan_text(entry: AuditRecord) -> str:
    plan: dict[str, Any] = entry.plan or {}
    lines = [entry.title, f"Organization: {entry.organization_name} ({plan.get('account', '')})"]
    for change in plan.get("changes", []):
        before = change.get("before") or "(not set)"
        after = change.get("after") or "(cleared)"
        lines.append(f"• {change.get('resource')}: {change.get('field')} {before} → {after}")
    lines.append(f"Cost: {plan.get('cost', '')}")
    lines += [f"Affected: {a}" for a in plan.get("affected", [])]
    lines.append(f"Outcome: {entry.outcome}")
    if entry.error:
        lines.append(f"Error: {entry.error}")
    return "\n".join(lines)


class HistoryModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[AuditRecord] = []

    def set_entries(self, entries: list[AuditRecord]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                entry.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                entry.organization_name or "—",
                entry.title,
                entry.outcome,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return QColor(OUTCOME_COLOURS.get(entry.outcome, "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return plan_text(entry)
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
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select an entry to see exactly what was planned.")
        self.empty = QLabel(
            "Nothing yet. Every change made to a Twilio account from this app (buying a number, "
            "changing where calls go, event streaming) is recorded here, including cancelled ones."
        )
        self.empty.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.setShortcut("F5")
        refresh.setToolTip("Reload the journal (F5)")
        refresh.clicked.connect(lambda: asyncio.ensure_future(self.load()))
        top = QHBoxLayout()
        top.addWidget(self.empty, 1)
        top.addWidget(refresh)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.details.setPlainText(plan_text(self.model.entries[current.row()]))

    async def load(self) -> None:
        entries = await asyncio.to_thread(self.audit.list, 500)
        self.model.set_entries(entries)
        self.empty.setVisible(not entries)
