"""Journal: the local record of every change planned against a Twilio account."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
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

from ..domain.journal_text import details_text
from ..domain.records import JournalRecord
from ..services.journal import JournalPage, JournalService
from .async_tasks import TaskRunner
from .models.filtered_table_model import FilteredTableModel
from .style import Role, colour, css

COLUMNS = ("When", "Organization", "Action", "Outcome")
OUTCOME_ROLES = {
    "succeeded": Role.OK,
    "failed": Role.ERROR,
    "cancelled": Role.MUTED,
    "interrupted": Role.WARN,
    "running": Role.NOTE,
}
# A tooltip is a glance: the plan and its outcome, not a thousand per-number lines.
TOOLTIP_LINES = 25


def plan_text(entry: JournalRecord, state: str) -> str:
    return details_text(entry, state)


def tooltip_text(entry: JournalRecord, state: str) -> str:
    lines = details_text(entry, state).splitlines()
    if len(lines) > TOOLTIP_LINES:
        lines = [*lines[:TOOLTIP_LINES], "… (select the entry to read all of it)"]
    return "\n".join(lines)


class JournalModel(FilteredTableModel[JournalRecord]):
    COLUMNS = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.page = JournalPage([], frozenset(), False)

    def set_page(self, page: JournalPage) -> None:
        self.page = page
        self.set_items(page.entries)

    def row_texts(self, item: JournalRecord) -> tuple[str, ...]:
        return (
            item.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            item.organization_name or "—",
            item.title,
            self.page.state_of(item),
        )

    def cell_data(self, item: JournalRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return colour(OUTCOME_ROLES.get(self.page.state_of(item), Role.TEXT))
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(item, self.page.state_of(item))
        return None


class JournalTab(QWidget):
    def __init__(
        self, journal: JournalService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        self.tasks = tasks
        self.model = JournalModel()
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
        refresh.clicked.connect(self.refresh)
        self.truncated = QLabel()
        self.truncated.setStyleSheet(css(Role.MUTED))
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
        layout.addWidget(self.truncated)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            entry = self.model.item_at(current.row())
            self.details.setPlainText(plan_text(entry, self.model.page.state_of(entry)))

    def refresh(self) -> None:
        self.tasks.start(self.load(), "Load journal")

    async def load(self) -> None:
        page = await self.journal.recent()
        self.model.set_page(page)
        self.empty.setVisible(not page.entries)
        self.truncated.setText(
            f"Showing the newest {len(page.entries):,} entries." if page.truncated else ""
        )
