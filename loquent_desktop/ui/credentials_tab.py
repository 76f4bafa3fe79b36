"""Credentials tab: the organizations, the mode each runs in, and their Twilio credentials.

The list on the left (organization_list.py) chooses the current organization of the whole
window; the details on the right (organization_details.py) show and connect it; the shared
account that Shared organizations run on is configured below (shared_account_box.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ..domain.records import OrganizationRecord
from ..services.connection import ConnectionService
from ..services.leaving_byo import LeavingByoService
from ..services.organizations import OrganizationService
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .organization_details import OrganizationDetails
from .organization_list import OrganizationList
from .selection import OrganizationSelection
from .shared_account_box import SharedAccountBox
from .widgets import scrollable


class CredentialsTab(QWidget):
    def __init__(
        self,
        organizations: OrganizationService,
        connection: ConnectionService,
        tasks: TaskRunner,
        selection: OrganizationSelection,
        default_voice_url: str,
        parent: QWidget | None = None,
        *,
        leaving: LeavingByoService | None = None,
        plans: PlanRunner | None = None,
    ) -> None:
        """`leaving` and `plans`: leaving an organization's own account (switch to Shared,
        Disconnect) first offers to restore its numbers and remove its event streams."""
        super().__init__(parent)
        self.selection = selection
        self.organization_list = OrganizationList(organizations, tasks, selection)
        self.details = OrganizationDetails(
            organizations, connection, tasks, selection, default_voice_url,
            leaving=leaving, plans=plans,
        )  # fmt: skip
        self.shared_box = SharedAccountBox(connection, tasks)
        # What other tabs and the launcher reach for.
        self.org_list = self.organization_list.org_list
        self.error = self.details.error

        splitter = QSplitter()
        splitter.addWidget(self.organization_list)
        # The details scroll on their own, so the shared account below stays in sight in a
        # small window.
        splitter.addWidget(scrollable(self.details))
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.shared_box)

    @property
    def current(self) -> OrganizationRecord | None:
        return self.selection.current

    async def load(self, select_id: int | None = None) -> None:
        await self.organization_list.load(select_id)
        await self.shared_box.load()

    async def remove_org(self) -> None:
        await self.organization_list.remove_org()
