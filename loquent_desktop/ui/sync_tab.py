"""Sync tab: keep Loquent informed of new SMS and call events (Event Streams), and bring the
organization's message and call history into the local database to browse.

Two pages: event streaming (changes the account, through plans) and history (read-only on
Twilio: sync controls above the synced messages and calls). Each page reads its data only
once it is shown for the current organization.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from ..domain.records import OrganizationRecord
from ..services.event_streams import EventStreamsService
from ..services.history import HistoryServices
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .event_streams_view import EventStreamsView
from .history_browser import HistoryBrowser
from .history_sync_view import HistorySyncView
from .paged_tab import PagedTab
from .selection import OrganizationSelection


class SyncTab(PagedTab):
    def __init__(
        self,
        streams: EventStreamsService,
        history: HistoryServices,
        tasks: TaskRunner,
        selection: OrganizationSelection,
        plans: PlanRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tasks, selection, parent)
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

        self.pages.addTab(history_page, "Message && call history")
        self.pages.addTab(self.streams, "Event streaming")
        self.pages.setTabToolTip(
            0, "Copy messages and calls from Twilio (read-only) and browse them"
        )
        self.pages.setTabToolTip(
            1, "Send new SMS and call events to Loquent through Twilio Event Streams"
        )
        self.history_sync.synced.connect(self.browser.refresh)
        self.watch_selection()

    def load_page(self, page: QWidget, org: OrganizationRecord | None) -> None:
        org_id = org.id if org is not None else None
        if page is self.streams:
            self.streams.set_organization(org)
        else:
            self.tasks.start_scoped(self.history_sync.load(org_id), "Read sync state")
            self.tasks.start_scoped(self.browser.load(org_id), "Read synced history")
