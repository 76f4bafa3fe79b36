"""One browse table (messages or calls) with its filters, search and CSV export. Local only.

Everything is asked of the database, a page at a time: date range, direction, status and
the search words (over the whole history, through its text index), newest or oldest
first. More rows are read as the view scrolls to the end; the count is exact and arrives
just after the first page.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
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
from .file_dialogs import ask_save_path
from .models.calls_model import CallsModel
from .models.history_model import WHEN, HistoryTableModel
from .models.messages_model import MessagesModel
from .widgets import TablePanel, error_label, user_text

DIRECTIONS = (("All directions", None), ("Inbound", "inbound"), ("Outbound", "outbound"))
NOUN = {"messages": "message", "calls": "call"}
# Typing pauses this long before the database is asked: one query per word, not per key.
SEARCH_PAUSE_MS = 200


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
    # A call with recordings was double-clicked: show them (its Call SID).
    open_recordings = Signal(str)

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
        self.total: int | None = None  # exact count of matches; None while counting
        self._task: asyncio.Task[Any] | None = None
        self._fetch: asyncio.Task[Any] | None = None
        self._query = HistoryQuery()  # what the rows shown were read with
        self._generation = 0  # bumped by every new read: a page for an older one is dropped
        noun = NOUN[kind]

        self.search = QLineEdit()
        self.search.setPlaceholderText(
            f"Search all {kind}: words or a number (refund* finds words starting so)"
        )
        self.search.setClearButtonEnabled(True)
        self._search_pause = QTimer(self)
        self._search_pause.setSingleShot(True)
        self._search_pause.setInterval(SEARCH_PAUSE_MS)
        self._search_pause.timeout.connect(self.reload)
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
        self.export_button.setToolTip(f"Save every {noun} that matches (filters and search) as CSV")
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
        for column, width in enumerate((130, 70, 130, 130, 100, 90, 90)):
            self.table.setColumnWidth(column, width)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.sortIndicatorChanged.connect(self._sort_clicked)
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

        self.search.textChanged.connect(lambda _text: self._search_pause.start())
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
        self.model.fetch_requested.connect(self._fetch_more)
        self.model.order_requested.connect(lambda _oldest: self.reload())
        self.table.doubleClicked.connect(self._double_clicked)
        self.export_button.clicked.connect(
            lambda: self.tasks.start(self.export_csv(), f"Export {self.kind}", busy=False)
        )
        self.setAccessibleName(f"Synced {kind}")
        self._noun = noun
        self._update_state()

    # -- the query -----------------------------------------------------------------------
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
            text=self.search.text().strip(),
            oldest_first=self.model.oldest_first,
        )

    @property
    def reading(self) -> bool:
        """A read for the filters and search shown is due or under way."""
        busy = self._task is not None and not self._task.done()
        return busy or self._search_pause.isActive()

    @property
    def filtered(self) -> bool:
        q = self.query()
        return any((q.date_from, q.date_to, q.direction, q.status))

    # -- loading -------------------------------------------------------------------------
    async def load(self, org_id: int | None) -> None:
        """Show `org_id`'s records (None: no organization selected)."""
        if org_id != self.org_id:
            self.search.blockSignals(True)  # a search typed for one organization is not
            self.search.clear()  # for the next; and clearing it is not a new search
            self.search.blockSignals(False)
            self._search_pause.stop()
        self.org_id = org_id
        if org_id is None:
            self._generation += 1
            self.total = None
            self.model.clear()
            self._update_state()
            return
        # The statuses (a scan of every row at a million) need not hold up the first page.
        await asyncio.gather(self._read(org_id), self._read_choices(org_id))

    def reload(self) -> None:
        """Ask the database again (a filter, the search or the order changed)."""
        self._search_pause.stop()
        if self._task is not None:
            self._task.cancel()
        if self.org_id is None:
            return
        self._task = self.tasks.start_scoped(
            self._read(self.org_id), f"Load {self.kind}", on_error=self._failed, busy=False
        )

    def refresh(self) -> None:
        """A sync wrote rows: read the statuses and the rows again."""
        if self._task is not None:
            self._task.cancel()
        if self.org_id is None:
            return
        org_id = self.org_id

        async def again() -> None:
            await self._read_choices(org_id)
            await self._read(org_id)

        self._task = self.tasks.start_scoped(
            again(), f"Load {self.kind}", on_error=self._failed, busy=False
        )

    async def _read_choices(self, org_id: int) -> None:
        """The statuses present (for the filter) and, for calls, which have recordings."""
        self._set_statuses(await self.browse.statuses(org_id, self.kind))
        if isinstance(self.model, CallsModel):
            self.model.set_recorded(await self.browse.recorded_calls(org_id))

    async def _read(self, org_id: int) -> None:
        """The first page, then the exact count."""
        self._generation += 1
        generation = self._generation
        if self._fetch is not None:
            self._fetch.cancel()
        query = self.query()
        counting = asyncio.ensure_future(self.browse.count(org_id, self.kind, query))
        try:
            page = await self.browse.page(org_id, self.kind, query)
            if generation != self._generation:
                return
            self._query = query
            self.total = None
            self.error.clear()
            self.model.set_page(page)
            self.table.scrollToTop()
            self._update_state()
            total = await counting
        finally:
            counting.cancel()
        if generation == self._generation:
            self.total = total
            self._update_state()

    def _fetch_more(self) -> None:
        """The view scrolled to the last rows loaded: read the next page."""
        if self.org_id is None or self.model.cursor is None:
            self.model.fetch_failed()
            return
        org_id, generation, cursor = self.org_id, self._generation, self.model.cursor

        async def more() -> None:
            page = await self.browse.page(org_id, self.kind, self._query, cursor)
            if generation == self._generation:
                self.model.append_page(page)
                self._update_state()

        def failed(exc: BaseException) -> None:
            self.model.fetch_failed()
            self._failed(exc)

        self._fetch = self.tasks.start_scoped(
            more(), f"Load more {self.kind}", on_error=failed, busy=False
        )

    async def load_all(self) -> None:
        """Read every page that matches (tests; a user scrolls instead)."""
        while self.model.more:
            self.model.fetching = True
            org_id = self.org_id
            assert org_id is not None
            page = await self.browse.page(org_id, self.kind, self._query, self.model.cursor)
            self.model.append_page(page)
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

    # -- sorting and opening -------------------------------------------------------------
    def _sort_clicked(self, column: int, order: Qt.SortOrder) -> None:
        if column != WHEN:  # only time sorts (HistoryTableModel): the indicator stays there
            current = (
                Qt.SortOrder.AscendingOrder
                if self.model.oldest_first
                else (Qt.SortOrder.DescendingOrder)
            )
            self.table.horizontalHeader().setSortIndicator(WHEN, current)

    def _double_clicked(self, index: QModelIndex) -> None:
        model = self.model
        if isinstance(model, CallsModel) and index.isValid() and model.has_recording(index.row()):
            self.open_recordings.emit(model.item_at(index.row()).sid)

    # -- state ---------------------------------------------------------------------------
    def _update_state(self) -> None:
        loaded, total, text = len(self.model.items), self.total, self._query.text
        if self.org_id is None:
            message = f"Select an organization on the Credentials tab to see its {self.kind}."
        elif loaded:
            message = ""
        elif text:
            message = f"No {self._noun} matches “{text}”."
        elif any((self._query.date_from, self._query.date_to, self._query.direction,
                  self._query.status)):  # fmt: skip
            message = f"No {self.kind} match these filters."
        else:
            message = (
                f"No {self.kind} synced yet. Start a {self._noun} sync above to copy them "
                "from Twilio (read-only)."
            )
        if not loaded:
            count = ""
        elif total is None:
            count = f"{loaded:,} {self.kind} shown; counting…"
        else:
            count = f"{total:,} {self.kind}"
            if text:
                count += f" match “{text}”"
            if loaded < total:
                count += f" ({loaded:,} loaded; scroll for more)"
        self.panel.show_state(message, count)
        self.export_button.setEnabled(loaded > 0)

    # -- export --------------------------------------------------------------------------
    async def export_csv(self) -> None:
        name = f"{self.kind} {datetime.now():%Y-%m-%d}.csv"
        path = await ask_save_path(self, f"Export {self.kind} as CSV", name)
        if path is not None:
            await self.save_csv(path)

    async def save_csv(self, path: Path) -> bool:
        """Write every record matching the filters and search (not only those loaded) to
        `path`, in the order shown."""
        if self.org_id is None:
            return False
        try:
            count = await self.browse.export_csv(self.org_id, self.kind, self._query, path)
        except OSError as exc:
            self.error.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.error.clear()
        self.count_label.setText(f"Exported {count:,} {self.kind} to {path}")
        return True
