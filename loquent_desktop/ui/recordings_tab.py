"""Recordings tab: the account's call recordings (sync, browse, download, play) and its SIP
trunks' recording settings, for the organization selected on the Credentials tab."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..domain.records import OrganizationRecord
from ..services.recordings import RecordingServices
from .async_tasks import TaskRunner
from .paged_tab import PagedTab
from .recordings_coverage_view import RecordingCoverageView
from .recordings_view import RecordingsView
from .selection import OrganizationSelection
from .trunks_view import TrunksView


class RecordingsTab(PagedTab):
    def __init__(
        self, services: RecordingServices, tasks: TaskRunner, selection: OrganizationSelection,
        parent: QWidget | None = None, *, auto_sync: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(tasks, selection, parent)
        self.recordings = RecordingsView(services, tasks, auto_sync=auto_sync)
        self.trunks = TrunksView(services.trunks, services.plans, tasks)
        self.pages.addTab(self.recordings, "Recordings")
        self.coverage = RecordingCoverageView(services.coverage, tasks)
        self.pages.addTab(self.trunks, "SIP trunks")
        self.pages.addTab(self.coverage, "Is this number recorded?")
        self.pages.setTabToolTip(0, "Copy recordings from Twilio (read-only), download, play")
        self.pages.setTabToolTip(1, "The account's SIP trunks and what they record")
        self.pages.setTabToolTip(2, "Per number: the trunk, Loquent, another platform or nobody")
        self.watch_selection()

    def show_call(self, call_sid: str) -> None:
        """Only the recordings of call `call_sid` (the Calls browser opens them); clearing
        the search shows all again."""
        self.pages.setCurrentWidget(self.recordings)
        self.recordings.search.setText(call_sid)

    def load_page(self, page: QWidget, org: OrganizationRecord | None) -> None:
        org_id = org.id if org is not None else None
        if page is self.trunks:
            self.tasks.start_scoped(self.trunks.load(org_id), "Read SIP trunks")
        elif page is self.coverage:
            self.tasks.start_scoped(self.coverage.load(org_id), "Read who records each number")
        else:
            self.tasks.start_scoped(self.recordings.load(org_id), "Read recordings")
