"""Owned numbers: the account's IncomingPhoneNumbers, who answers each, and whether Loquent
knows it. Read-only on Twilio; Import and Export work locally."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError
from ..domain.numbers import OwnedNumber
from ..services.numbers import NumbersService
from ..store.repositories import OrganizationRecord
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .dialogs.import_numbers import ImportNumbersDialog
from .models.owned_numbers_model import NUMBER, OwnedNumbersModel
from .widgets import ProgressStrip, error_label


class OwnedNumbersView(QWidget):
    loaded = Signal(int)  # number of owned numbers

    def __init__(
        self, numbers: NumbersService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.numbers = numbers
        self.tasks = tasks
        self.org: OrganizationRecord | None = None
        self.stale = True
        self._load_task: asyncio.Task[None] | None = None
        self.last_load_seconds: float | None = None

        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the numbers from Twilio again (F5). Read-only.")
        self.import_button = QPushButton("&Import…")
        self.import_button.setToolTip(
            "Copy owned numbers into Loquent's database. Nothing changes on Twilio."
        )
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip("Save the numbers shown (the filter applies) as CSV")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by number, name, route, status… (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.refreshed_label = QLabel()
        self.refreshed_label.setStyleSheet("color: #6b6b6b;")

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        info = QHBoxLayout()
        info.addWidget(self.count_label)
        info.addStretch(1)
        info.addWidget(self.refreshed_label)

        self.progress = ProgressStrip()
        self.error = error_label()
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #6b6b6b; padding: 24px;")

        self.model = OwnedNumbersModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NUMBER, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((140, 300, 190, 230, 120, 130, 110)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(info)

        self.filter.textChanged.connect(self._filter_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.progress.cancel_button.clicked.connect(self._cancel_load)
        self.import_button.clicked.connect(
            lambda: self.tasks.start(self.import_numbers(), "Import numbers")
        )
        self.export_button.clicked.connect(
            lambda: self.tasks.start(self.export_csv(), "Export CSV", on_error=self._failed)
        )
        QShortcut(QKeySequence.StandardKey.Find, self, self.filter.setFocus)
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        self._update_state()

    # -- organization and loading ---------------------------------------------------------
    def set_organization(self, org: OrganizationRecord | None) -> None:
        if org is not None and self.org is not None and org.id == self.org.id:
            self.org = org  # same organization, fresher record (mode or name changed)
            return
        self._cancel_load()
        self.org = org
        self.stale = True
        self.filter.clear()  # a filter typed for one organization would hide another's numbers
        self.model.set_numbers([], "", set())
        self.refreshed_label.clear()
        self.error.clear()
        self._update_state()

    def ensure_loaded(self) -> None:
        if self.stale and self.org is not None and self._load_task is None:
            self.refresh()

    def refresh(self) -> None:
        if self.org is None or self._load_task is not None:
            return
        self.refresh_button.setEnabled(False)
        self._load_task = self.tasks.start(self.load(), "Load numbers", on_error=self._failed)
        self._load_task.add_done_callback(lambda _t: self._load_finished())

    def _load_finished(self) -> None:
        if not shiboken6.isValid(self):
            return  # the window closed while loading
        self._load_task = None
        self.progress.finish()
        self.refresh_button.setEnabled(True)
        self._update_state()

    def _cancel_load(self) -> None:
        if self._load_task is not None:
            self._load_task.cancel()

    async def load(self) -> None:
        org = self.org
        if org is None:
            return
        self.error.clear()
        self.refresh_button.setEnabled(False)
        self.progress.start(f"Reading {org.name}'s numbers from Twilio…")
        started = time.perf_counter()

        def progress(count: int) -> None:
            self.progress.update_text(f"Reading numbers from Twilio… {count:,} so far")

        owned, imported, loquent_url = await asyncio.gather(
            self.numbers.list_owned(org.id, progress),
            self.numbers.imported_sids(org.id),
            self.numbers.loquent_voice_url(org.id),
        )
        if self.org is None or self.org.id != org.id:
            return  # the user switched organization meanwhile
        self.model.set_numbers(owned, loquent_url, imported)
        self.last_load_seconds = time.perf_counter() - started
        self.stale = False
        self.refreshed_label.setText(f"Last refreshed {datetime.now():%H:%M:%S}")
        self.loaded.emit(len(owned))

    def _failed(self, exc: BaseException) -> None:
        text = (
            str(exc)
            if isinstance(exc, LoquentError)
            else (f"Unexpected error ({type(exc).__name__}); see the log file.")
        )
        self.error.setText(text)
        self._update_state()

    # -- filter ---------------------------------------------------------------------------
    def _filter_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._update_state()

    def _update_state(self) -> None:
        total = len(self.model.items)
        shown = self.model.rowCount()
        has_org = self.org is not None
        if not has_org:
            message = "Select an organization on the Credentials tab to see its numbers."
        elif self._load_task is not None and total == 0:
            message = "Reading numbers from Twilio…"
        elif self.error.text() and total == 0:
            message = "The numbers could not be read. Fix the problem above, then Refresh (F5)."
        elif total == 0 and not self.stale:
            message = "This account owns no phone numbers yet. Buy one on the “Buy a number” tab."
        elif shown == 0 and total:
            message = f"No number matches “{self.filter.text()}”."
        else:
            message = ""
        self.empty.setText(message)
        self.empty.setVisible(bool(message))
        self.table.setVisible(not message)
        self.count_label.setText(
            f"{total:,} numbers" if shown == total else f"Showing {shown:,} of {total:,} numbers"
        )
        self.count_label.setVisible(total > 0)
        for button in (self.refresh_button, self.import_button):
            button.setEnabled(has_org and self._load_task is None)
        self.export_button.setEnabled(shown > 0)
        self.filter.setEnabled(total > 0)

    # -- import and export ----------------------------------------------------------------
    async def import_numbers(self) -> None:
        if self.org is None:
            return
        dialog = ImportNumbersDialog(self.numbers, self.org, self)
        await answer(dialog)
        imported = dialog.imported_sids
        dialog.deleteLater()
        if imported:
            self.model.mark_imported(imported)
            self._update_state()

    async def export_csv(self) -> None:
        org = self.org
        if org is None:
            return
        dialog = QFileDialog(self, "Export numbers as CSV")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV files (*.csv)")
        dialog.setDefaultSuffix("csv")
        # Names may hold characters no file system accepts ("A/B Clinics").
        safe_name = re.sub(r'[\\/:*?"<>|]+', "-", org.name).strip(" .-") or "numbers"
        dialog.selectFile(f"{safe_name} numbers {datetime.now():%Y-%m-%d}.csv")
        accepted = await answer(dialog)
        files = dialog.selectedFiles()
        dialog.deleteLater()
        if not accepted or not files:
            return
        count = await self.write_csv(Path(files[0]))
        self.window().statusBar().showMessage(  # type: ignore[attr-defined]
            f"Exported {count:,} numbers to {files[0]}", 10000
        )

    async def write_csv(self, path: Path) -> int:
        rows: list[OwnedNumber] = self.model.visible_items
        return await asyncio.to_thread(
            self.numbers.export_csv, rows, path, self.model.loquent_url, self.model.imported
        )
