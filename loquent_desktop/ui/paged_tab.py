"""A tab of sub-pages that each read their data lazily: the page on screen loads when it is
shown, once per scope, and again when the current organization's scope changes (at once if
the tab is visible, or when it is next shown)."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..domain.records import OrganizationRecord
from .async_tasks import TaskRunner
from .selection import OrganizationSelection, Scope


class PagedTab(QWidget):
    """Subclasses add their pages to `self.pages`, then call `watch_selection()`, and say how
    a page loads in `load_page`."""

    def __init__(
        self, tasks: TaskRunner, selection: OrganizationSelection, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.selection = selection
        self.pages = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.pages)
        # What each page last loaded, so switching back and forth does not read again.
        self._loaded: dict[QWidget, Scope | None] = {}

    def watch_selection(self) -> None:
        self.pages.currentChanged.connect(lambda _i: self.ensure_loaded())
        self.selection.track_scope(self._scope_changed, call_now=False)

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
        self.load_page(page, self.selection.current)

    def load_page(self, page: QWidget, org: OrganizationRecord | None) -> None:
        raise NotImplementedError
