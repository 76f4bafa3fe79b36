"""Browse synced messages and calls: a table per kind, filters, search and CSV export.

Reads Loquent's database only; the Twilio account is never asked anything here.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..services.history_browse import HistoryBrowseService
from .async_tasks import TaskRunner
from .history_table import HistoryTable


class HistoryBrowser(QWidget):
    def __init__(
        self, browse: HistoryBrowseService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.browse = browse
        self.tasks = tasks
        self.messages = HistoryTable("messages", browse, tasks)
        self.calls = HistoryTable("calls", browse, tasks)
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
                table.reload()
