"""Numbers tab: the numbers the organization's account owns, and buying new ones."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..services.last_known import LastKnownService
from ..services.numbers import NumbersService
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .number_search_view import NumberSearchView
from .owned_numbers_view import OwnedNumbersView
from .selection import OrganizationSelection


class NumbersTab(QWidget):
    def __init__(
        self,
        numbers: NumbersService,
        tasks: TaskRunner,
        plans: PlanRunner,
        selection: OrganizationSelection,
        parent: QWidget | None = None,
        *,
        last_known: LastKnownService,
    ) -> None:
        super().__init__(parent)
        self.selection = selection
        self.owned = OwnedNumbersView(numbers, tasks, selection, last_known=last_known)
        self.search = NumberSearchView(numbers, tasks, plans, selection)
        self.pages = QTabWidget()
        self.pages.addTab(self.owned, "Owned numbers")
        self.pages.addTab(self.search, "Buy a number")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.pages)
        self.pages.currentChanged.connect(lambda _i: self.ensure_loaded())
        self.search.purchased.connect(self._purchased)
        selection.track(self._organization_changed)

    def _organization_changed(self) -> None:
        if self.isVisible():
            self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Load lazily: reading 10,000 numbers is not worth doing for a tab nobody opened."""
        page = self.pages.currentWidget()
        if page is self.owned:
            self.owned.ensure_loaded()
        else:
            self.search.ensure_loaded()

    def shared_account_changed(self) -> None:
        """The shared account was configured or forgotten (SharedAccountBox.changed)."""
        self.selection.shared_account_changed()

    def _purchased(self, _owned: object) -> None:
        self.owned.invalidate()
