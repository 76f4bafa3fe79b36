"""Import owned numbers into Loquent's database: copies metadata only, changes nothing on
Twilio (the dialog sends GET requests and nothing else)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import LoquentError
from ...domain.numbers import OwnedNumber
from ...domain.records import OrganizationRecord
from ...domain.validation import format_phone
from ...services.numbers import NumbersService
from ..models.filtered_table_model import FilteredTableModel
from ..style import Role, css
from ..widgets import error_label


class NotImportedModel(FilteredTableModel[OwnedNumber]):
    COLUMNS = ("Number", "Friendly name", "Capabilities")

    def row_texts(self, item: OwnedNumber) -> tuple[str, ...]:
        return (format_phone(item.phone_number), item.friendly_name or "", item.capabilities_text)


class ImportNumbersDialog(QDialog):
    def __init__(
        self, numbers: NumbersService, org: OrganizationRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.numbers = numbers
        self.org = org
        self.imported_sids: set[str] = set()
        self.setWindowTitle(f"Import numbers — {org.name}")
        self.resize(640, 520)

        intro = QLabel(
            "Numbers the account owns that Loquent's database does not have yet. Importing "
            "copies their details only: nothing changes on Twilio, and calls keep going where "
            "they go now until voice routing is set up."
        )
        intro.setWordWrap(True)
        self.status = QLabel("Fetching numbers from Twilio…")
        self.error = error_label()
        self.model = NotImportedModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.select_all = QPushButton("Select &all")
        self.select_all.setToolTip("Ctrl+A")
        self.select_none = QPushButton("Select &none")
        self.import_button = QPushButton("Import selected (0)")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)
        # Not `result`: that would hide QDialog.result().
        self.result_label = QLabel()
        self.result_label.setStyleSheet(css(Role.OK, bold=True))
        self.result_label.setAccessibleName("Import result")

        picks = QHBoxLayout()
        picks.addWidget(self.select_all)
        picks.addWidget(self.select_none)
        picks.addStretch(1)
        picks.addWidget(self.import_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(picks)
        layout.addWidget(self.result_label)
        layout.addWidget(close)

        self.select_all.clicked.connect(self.table.selectAll)
        self.select_none.clicked.connect(self.table.clearSelection)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.import_button.clicked.connect(self._import_clicked)
        self._tasks: set[asyncio.Task[None]] = set()
        self._start(self.fetch())

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.error.setText(str(exc) if isinstance(exc, LoquentError) else repr(exc))
            self.status.clear()

    def reject(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        super().reject()

    @property
    def selected(self) -> list[OwnedNumber]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.item_at(r) for r in rows]

    def _selection_changed(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.import_button.setText(f"Import selected ({count:,})")
        self.import_button.setEnabled(count > 0)

    async def fetch(self) -> None:
        pending = await self.numbers.not_imported(self.org.id)
        self.model.set_items(pending)
        self._show_counts()

    def _show_counts(self) -> None:
        left = len(self.model.items)
        self.status.setText(
            f"{left:,} numbers are not in Loquent yet."
            if left
            else "Every number this account owns is already in Loquent."
        )
        self._selection_changed()

    def _import_clicked(self) -> None:
        chosen = self.selected
        if chosen:
            self.import_button.setEnabled(False)
            self._start(self.import_selected(chosen))

    async def import_selected(self, chosen: list[OwnedNumber]) -> None:
        result = await self.numbers.import_numbers(self.org.id, chosen)
        self.result_label.setText(
            f"{result.imported:,} imported, {result.already_existed:,} already existed."
        )
        done = {n.sid for n in chosen}
        self.imported_sids |= done
        self.model.set_items([n for n in self.model.items if n.sid not in done])
        self._show_counts()
