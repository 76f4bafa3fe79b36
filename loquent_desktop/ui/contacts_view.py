"""The Sync tab's Contacts page: everyone the organization exchanged messages or calls with,
from the synced history. Search, sort, CSV export, and a contact's messages and calls in the
history browser (double-click or *Show messages and calls*).

Local only: reads Loquent's database. The sandbox syncs its demo history the first time the
page is shown with no contacts, so it opens with something to see (like Recordings).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..services.contacts import ContactsService
from ..services.history_sync import HistorySyncService
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .models.contacts_model import LAST, ContactsModel
from .widgets import TablePanel, error_label, number_table, user_text

EMPTY = (
    "Sync messages or calls to see contacts: start a sync on the Message & call history "
    "page (read-only on Twilio)."
)


class ContactsView(QWidget):
    # A contact's number and the history table to show first ("messages" or "calls").
    open_contact = Signal(str, str)
    synced = Signal()  # the sandbox's first-view sync wrote history

    def __init__(
        self,
        contacts: ContactsService,
        sync: HistorySyncService,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        auto_sync: bool = False,
    ) -> None:
        super().__init__(parent)
        self.contacts, self.sync, self.tasks = contacts, sync, tasks
        self.auto_sync = auto_sync
        self._auto_synced: set[int] = set()
        self.org_id: int | None = None
        self.loaded = False
        self._task: asyncio.Task[Any] | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search contacts by number")
        self.search.setClearButtonEnabled(True)
        self.open_button = QPushButton("Show &messages and calls")
        self.open_button.setToolTip("Show the selected contact's history in the browser")
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip("Save the contacts shown (search applies) as CSV")
        self.error = error_label()
        self.model = ContactsModel()
        self.table = number_table(self.model, (150, 130, 130, 80, 70), LAST)
        self.table.sortByColumn(LAST, Qt.SortOrder.DescendingOrder)
        self.table.setAccessibleName("Contacts")
        self.panel = TablePanel(self.table)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.open_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.panel, 1)

        self.search.textChanged.connect(self._search_changed)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_state())
        self.open_button.clicked.connect(self._open_selected)
        self.export_button.clicked.connect(
            lambda: self.tasks.start(self.export_csv(), "Export contacts", busy=False)
        )
        self._update_state()

    # -- loading -------------------------------------------------------------------------
    async def load(self, org_id: int | None) -> None:
        """Show `org_id`'s contacts (None: no organization selected)."""
        if org_id != self.org_id:
            self.search.clear()
        self.org_id = org_id
        self.loaded = False
        if org_id is None:
            self.model.set_items([])
            self._update_state()
            return
        self.panel.show_state("Reading contacts…", "")
        rows = await self.contacts.summaries(org_id)
        if not rows and self.auto_sync and org_id not in self._auto_synced:
            self._auto_synced.add(org_id)  # once: a failed sync must not repeat itself
            self.panel.show_state("Syncing the sandbox's demo messages and calls…", "")
            for kind in ("messages", "calls"):
                if not self.sync.is_running(org_id, kind):
                    await self.sync.start(org_id, kind)
            self.synced.emit()
            rows = await self.contacts.summaries(org_id)
        self.error.clear()
        self.model.set_items(rows)
        self.loaded = True
        self.panel.mark_refreshed()
        self._update_state()

    def reload(self) -> None:
        """Read again (a sync wrote history)."""
        if self._task is not None:
            self._task.cancel()
        if self.org_id is not None:
            self._task = self.tasks.start_scoped(
                self.load(self.org_id), "Read contacts", on_error=self.failed, busy=False
            )

    def failed(self, exc: BaseException) -> None:
        self.error.setText(user_text(exc))
        self._update_state()

    # -- state ---------------------------------------------------------------------------
    def _search_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._update_state()

    def _update_state(self) -> None:
        total, shown = len(self.model.items), self.model.rowCount()
        if self.org_id is None:
            message = "Select an organization on the Credentials tab to see its contacts."
        elif total == 0:
            message = EMPTY
        elif shown == 0:
            message = f"No contact matches “{self.search.text()}”."
        else:
            message = ""
        text = f"{total:,} contacts" if shown == total else f"Showing {shown:,} of {total:,}"
        self.panel.show_state(message, text if total else "")
        self.export_button.setEnabled(shown > 0)
        self.open_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    # -- a contact's history -------------------------------------------------------------
    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_row(index.row())

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_row(rows[0].row())

    def open_row(self, row: int) -> None:
        contact = self.model.item_at(row)
        kind = "messages" if contact.messages or not contact.calls else "calls"
        self.open_contact.emit(contact.phone_number, kind)

    # -- export --------------------------------------------------------------------------
    async def export_csv(self) -> None:
        dialog = QFileDialog(self, "Export contacts as CSV")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV files (*.csv)")
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(f"contacts {datetime.now():%Y-%m-%d}.csv")
        accepted = await answer(dialog)
        files = dialog.selectedFiles()
        dialog.deleteLater()
        if accepted and files:
            await self.save_csv(Path(files[0]))

    async def save_csv(self, path: Path) -> bool:
        """Write the rows on screen (search and sort applied) to `path`."""
        try:
            count = await self.contacts.export_csv(self.model.visible_items, path)
        except OSError as exc:
            self.error.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.error.clear()
        self.panel.count_label.setText(f"Exported {count:,} contacts to {path}")
        return True
