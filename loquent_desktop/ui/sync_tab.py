"""Sync tab: keep Loquent informed of new SMS and call events (Event Streams), and bring the
organization's message and call history into the local database to browse.

Two pages: event streaming (changes the account, through plans) and history (read-only on
Twilio: sync controls above the synced messages and calls). Each page reads its data only
once it is shown for the current organization.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from ..services.event_streams import EventStreamsService
from ..services.history import HistoryServices
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .event_streams_view import EventStreamsView
from .history_browser import HistoryBrowser
from .history_sync_view import HistorySyncView
from .selection import OrganizationSelection, Scope


class SyncTab(QWidget):
    def __init__(
        self,
        streams: EventStreamsService,
        history: HistoryServices,
        tasks: TaskRunner,
        selection: OrganizationSelection,
        plans: PlanRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.selection = selection
        self.streams = EventStreamsView(streams, tasks, plans)
        self.history_sync = HistorySyncView(history.sync, tasks)
        self.browser = HistoryBrowser(history.browse, tasks)

        history_page = QSplitter(Qt.Orientation.Vertical)
        history_page.addWidget(self.history_sync)
        history_page.addWidget(self.browser)
        history_page.setStretchFactor(0, 0)
        history_page.setStretchFactor(1, 1)
        history_page.setChildrenCollapsible(False)
        self.history_page = history_page

        self.pages = QTabWidget()
        self.pages.addTab(history_page, "Message && call history")
        self.pages.addTab(self.streams, "Event streaming")
        self.pages.setTabToolTip(
            0, "Copy messages and calls from Twilio (read-only) and browse them"
        )
        self.pages.setTabToolTip(
            1, "Send new SMS and call events to Loquent through Twilio Event Streams"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.pages)
        # What each page last loaded, so switching back and forth does not read again.
        self._loaded: dict[QWidget, Scope | None] = {}
        self.pages.currentChanged.connect(lambda _i: self.ensure_loaded())
        self.history_sync.synced.connect(self.browser.refresh)
        selection.track_scope(self._scope_changed, call_now=False)

    def _scope_changed(self) -> None:
        self._loaded.clear()
        if self.selection.current is None or self.isVisible():
            self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Load the page on screen for the current organization (lazily, once)."""
        page = self.pages.currentWidget()
        scope = self.selection.scope
        if page in self._loaded and self._loaded[page] == scope:
            return
        self._loaded[page] = scope
        org = self.selection.current
        org_id = org.id if org is not None else None
        if page is self.streams:
            self.streams.set_organization(org)
        else:
            self.tasks.start_scoped(self.history_sync.load(org_id), "Read sync state")
            self.tasks.start_scoped(self.browser.load(org_id), "Read synced history")
