"""Sync tab: keep Loquent informed of new SMS and call events (Event Streams), and bring the
organization's message and call history into the local database to browse.

Three pages: history (read-only on Twilio: sync controls above the synced messages and
calls), contacts (who those messages and calls were with) and event streaming (changes the
account, through plans). Each page reads its data only once it is shown for the current
organization.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from ..domain.records import OrganizationRecord
from ..services.event_streams import EventStreamsService
from ..services.history import HistoryServices
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .contacts_view import ContactsView
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
        *,
        auto_sync: bool = False,
    ) -> None:
        """`auto_sync`: the Contacts page syncs history the first time it finds none (the
        sandbox, so its demo contacts show without a manual sync)."""
        super().__init__(tasks, selection, parent)
        self.streams = EventStreamsView(streams, tasks, plans)
        self.history_sync = HistorySyncView(history.sync, tasks)
        self.browser = HistoryBrowser(history.browse, tasks)
        self.contacts = ContactsView(history.contacts, history.sync, tasks, auto_sync=auto_sync)

        history_page = QSplitter(Qt.Orientation.Vertical)
        history_page.addWidget(self.history_sync)
        history_page.addWidget(self.browser)
        history_page.setStretchFactor(0, 0)
        history_page.setStretchFactor(1, 1)
        history_page.setChildrenCollapsible(False)
        self.history_page = history_page

        self.pages.addTab(history_page, "Message && call history")
        self.pages.addTab(self.contacts, "Contacts")
        self.pages.addTab(self.streams, "Event streaming")
        self.pages.setTabToolTip(
            0, "Copy messages and calls from Twilio (read-only) and browse them"
        )
        self.pages.setTabToolTip(1, "Everyone the synced messages and calls were with")
        self.pages.setTabToolTip(
            2, "Send new SMS and call events to Loquent through Twilio Event Streams"
        )
        self.history_sync.synced.connect(self.browser.refresh)
        self.history_sync.synced.connect(lambda _kind=None: self._history_changed())
        self.contacts.synced.connect(self._contacts_synced)
        self.contacts.open_contact.connect(self.show_contact)
        self.watch_selection()

    def load_page(self, page: QWidget, org: OrganizationRecord | None) -> None:
        org_id = org.id if org is not None else None
        if page is self.streams:
            self.streams.set_organization(org)
        elif page is self.contacts:
            self.tasks.start_scoped(
                self.contacts.load(org_id), "Read contacts", on_error=self.contacts.failed
            )
        else:
            self.tasks.start_scoped(self.history_sync.load(org_id), "Read sync state")
            self.tasks.start_scoped(self.browser.load(org_id), "Read synced history")

    def _history_changed(self) -> None:
        """A sync wrote history: contacts change too (now if shown, else when next shown)."""
        if self.pages.currentWidget() is self.contacts:
            self.contacts.reload()
        else:
            self._loaded.pop(self.contacts, None)

    def _contacts_synced(self) -> None:
        # The sandbox's first-view sync ran from the Contacts page: the history page's
        # state and tables are read again when next shown.
        self._loaded.pop(self.history_page, None)

    def show_contact(self, number: str, kind: str = "messages") -> None:
        """The history page with only `number`'s messages and calls."""
        page = self.history_page
        org = self.selection.current
        must_load = page not in self._loaded or self._loaded[page] != self.selection.scope
        self._loaded[page] = self.selection.scope  # read below, not again by ensure_loaded
        self.pages.setCurrentWidget(page)

        async def show() -> None:
            if must_load and org is not None:
                await self.history_sync.load(org.id)
                await self.browser.load(org.id)
            self.browser.show_contact(number, kind)

        self.tasks.start_scoped(show(), "Show a contact's history")
