"""One browse table (messages or calls) with its filters and CSV export. Local only.

Date range, direction and status are asked of the database (newest first, at most 50,000
rows); the search box filters the rows in memory on every keystroke.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.history_records import HistoryQuery
from ..services.history_browse import HistoryBrowseService
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .models.calls_model import CallsModel
from .models.history_model import WHEN, HistoryTableModel
from .models.messages_model import MessagesModel
from .widgets import TablePanel, error_label, user_text

DIRECTIONS = (("All directions", None), ("Inbound", "inbound"), ("Outbound", "outbound"))
NOUN = {"messages": "message", "calls": "call"}


def local_midnight(day: date) -> datetime:
    """The start of a day in the user's time zone (the dates they pick are local)."""
    return datetime.combine(day, time(0)).astimezone()


def _date_edit(days_back: int) -> QDateEdit:
    edit = QDateEdit(QDate.currentDate().addDays(-days_back))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    return edit


def _day(edit: QDateEdit) -> date:
    day = edit.date().toPython()
    assert isinstance(day, date)  # QDate.toPython is typed as returning object
    return day


class HistoryTable(QWidget):
    def __init__(
        self,
        kind: str,
        browse: HistoryBrowseService,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.browse = browse
        self.tasks = tasks
        self.org_id: int | None = None
        self._task: asyncio.Task[Any] | None = None
        self._truncated = False
        noun = NOUN[kind]

        self.search = QLineEdit()
        self.search.setPlaceholderText(f"Search {kind} by number or text")
        self.search.setClearButtonEnabled(True)
        self.from_check = QCheckBox("From")
        self.from_date = _date_edit(30)
        self.to_check = QCheckBox("to")
        self.to_date = _date_edit(0)
        self.direction = QComboBox()
        for label, value in DIRECTIONS:
            self.direction.addItem(label, value)
        self.status = QComboBox()
        self.status.addItem("All statuses", None)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip(f"Save the {kind} shown (filters apply) as CSV")
        self.error = error_label()

        self.model: HistoryTableModel[Any] = MessagesModel() if kind == "messages" else CallsModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(WHEN, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        for column, width in enumerate((130, 70, 130, 130, 100, 90)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.panel = TablePanel(self.table)
        self.empty = self.panel.empty
        self.count_label = self.panel.count_label

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        for widget in (self.from_check, self.from_date, self.to_check, self.to_date):
            filters.addWidget(widget)
        filters.addWidget(self.direction)
        filters.addWidget(self.status)
        filters.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addWidget(self.panel, 1)

        self.search.textChanged.connect(self._search_changed)
        self.from_check.toggled.connect(self.from_date.setEnabled)
        self.to_check.toggled.connect(self.to_date.setEnabled)
        for signal in (
            self.from_check.toggled,
            self.to_check.toggled,
            self.from_date.dateChanged,
            self.to_date.dateChanged,
            self.direction.currentIndexChanged,
            self.status.currentIndexChanged,
        ):
            signal.connect(self.reload)
        self.export_button.clicked.connect(
            lambda: self.tasks.start(self.export_csv(), f"Export {self.kind}", busy=False)
        )
        self.setAccessibleName(f"Synced {kind}")
        self._noun = noun
        self._update_state()

    # -- loading -------------------------------------------------------------------------
    def query(self) -> HistoryQuery:
        date_from = local_midnight(_day(self.from_date)) if self.from_check.isChecked() else None
        date_to = None
        if self.to_check.isChecked():  # the "to" day itself is included
            date_to = local_midnight(_day(self.to_date) + timedelta(days=1))
        return HistoryQuery(
            date_from=date_from,
            date_to=date_to,
            direction=self.direction.currentData(),
            status=self.status.currentData(),
        )

    @property
    def filtered(self) -> bool:
        q = self.query()
        return any((q.date_from, q.date_to, q.direction, q.status))

    def reload(self) -> None:
        """Ask the database again (a filter changed, or a sync wrote new rows)."""
        if self._task is not None:
            self._task.cancel()
        if self.org_id is None:
            return
        self._task = self.tasks.start_scoped(
            self.load(self.org_id), f"Load {self.kind}", on_error=self._failed, busy=False
        )

    async def load(self, org_id: int | None) -> None:
        if org_id != self.org_id:
            self.search.clear()  # a search typed for one organization is not for the next
        self.org_id = org_id
        if org_id is None:
            self.model.set_items([])
            self._update_state()
            return
        page, statuses = await asyncio.gather(
            self.browse.search(org_id, self.kind, self.query()),
            self.browse.statuses(org_id, self.kind),
        )
        # (Another organization meanwhile: start_scoped cancelled this read.)
        self._set_statuses(statuses)
        self._truncated = page.truncated
        self.error.clear()
        self.model.set_items(page.records)
        self._update_state()

    def _set_statuses(self, statuses: list[str]) -> None:
        current = self.status.currentData()
        self.status.blockSignals(True)  # repopulating is not the user choosing a status
        self.status.clear()
        self.status.addItem("All statuses", None)
        for status in statuses:
            self.status.addItem(status, status)
        self.status.setCurrentIndex(max(0, self.status.findData(current)))
        self.status.blockSignals(False)

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(user_text(exc))

    # -- state ---------------------------------------------------------------------------
    def _search_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._update_state()

    def _update_state(self) -> None:
        total, shown = len(self.model.items), self.model.rowCount()
        if self.org_id is None:
            message = f"Select an organization on the Credentials tab to see its {self.kind}."
        elif total == 0 and not self.filtered:
            message = (
                f"No {self.kind} synced yet. Start a {self._noun} sync above to copy them "
                "from Twilio (read-only)."
            )
        elif total == 0:
            message = f"No {self.kind} match these filters."
        elif shown == 0:
            message = f"No {self._noun} matches “{self.search.text()}”."
        else:
            message = ""
        text = f"{total:,} {self.kind}" if shown == total else f"Showing {shown:,} of {total:,}"
        if self._truncated:
            text += f" (the newest {total:,}; narrow the dates to see older ones)"
        self.panel.show_state(message, text if total else "")
        self.export_button.setEnabled(shown > 0)

    # -- export --------------------------------------------------------------------------
    async def export_csv(self) -> None:
        dialog = QFileDialog(self, f"Export {self.kind} as CSV")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV files (*.csv)")
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(f"{self.kind} {datetime.now():%Y-%m-%d}.csv")
        accepted = await answer(dialog)
        files = dialog.selectedFiles()
        dialog.deleteLater()
        if accepted and files:
            await self.save_csv(Path(files[0]))

    async def save_csv(self, path: Path) -> bool:
        """Write the rows on screen (filters and search applied) to `path`."""
        try:
            count = await self.browse.export_csv(self.kind, self.model.visible_items, path)
        except OSError as exc:
            self.error.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.error.clear()
        self.count_label.setText(f"Exported {count:,} {self.kind} to {path}")
        return True
