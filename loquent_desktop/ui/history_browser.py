"""Browse synced messages and calls: a table per kind, filters, search and CSV export.

Reads Loquent's database only; the Twilio account is never asked anything here.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..services.history_browse import HistoryBrowseService
from .async_tasks import TaskRunner
from .history_table import HistoryTable


class HistoryBrowser(QWidget):
    # A call with recordings was double-clicked: the window shows them (its Call SID).
    open_recordings = Signal(str)

    def __init__(
        self, browse: HistoryBrowseService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.browse = browse
        self.tasks = tasks
        self.messages = HistoryTable("messages", browse, tasks)
        self.calls = HistoryTable("calls", browse, tasks)
        self.calls.open_recordings.connect(self.open_recordings)
        self.pages = QTabWidget()
        self.pages.addTab(self.messages, "Messages")
        self.pages.addTab(self.calls, "Calls")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def table(self, kind: str) -> HistoryTable:
        return self.messages if kind == "messages" else self.calls

    async def load(self, org_id: int | None) -> None:
        """Show `org_id`'s synced messages and calls (None: no organization selected)."""
        await asyncio.gather(self.messages.load(org_id), self.calls.load(org_id))

    def refresh(self, kind: str | None = None) -> None:
        """A sync wrote rows: read them again (both kinds when `kind` is None)."""
        for table in (self.messages, self.calls):
            if kind is None or table.kind == kind:
                table.refresh()

    def show_contact(self, number: str, kind: str = "messages") -> None:
        """Show only the records with `number` on either side (the Contacts page's *Show
        messages and calls*), on the `kind` table; clearing the search shows all again."""
        for table in (self.messages, self.calls):
            table.search.setText(number)
            table.reload()  # now, not after the pause left for typing
        self.pages.setCurrentWidget(self.table(kind))
