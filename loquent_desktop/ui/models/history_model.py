"""What the messages and calls tables share: rows read page by page from the database,
newest first (or oldest first), a date column, status colours.

The table never holds the whole history: it starts with one page and asks for the next
when the view scrolls near the end (`canFetchMore`/`fetchMore`, which Qt calls); the
table widget reads that page off the GUI thread and hands it to `append_page`. Sorting is
by time only, in the database, where an index serves it: sorting a million rows by another
column would take seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ...domain.contacts import side_of
from ...domain.history_records import HistoryCursor, HistoryPage
from ..style import Role, colour
from .roles import CELL_ROLES, DISPLAY

T = TypeVar("T")
_Index = QModelIndex | QPersistentModelIndex
WHEN = 0
STATUS_ROLES = {
    "failed": Role.ERROR,
    "undelivered": Role.ERROR,
    "busy": Role.WARN,
    "no-answer": Role.WARN,
    "canceled": Role.MUTED,
}


def when_text(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


def direction_text(direction: str | None) -> str:
    side = side_of(direction)
    if side is None:
        return direction or ""
    text = "In" if side == "inbound" else "Out"
    # Over the customer's SIP trunk (trunking-originating / -terminating).
    return f"{text} (trunk)" if (direction or "").startswith("trunking") else text


class HistoryTableModel(QAbstractTableModel, Generic[T]):
    """Subclasses set COLUMNS and implement `row_texts`; items have `.when`, `.sid` and
    `.status`."""

    COLUMNS: Sequence[str] = ()
    STATUS_COLUMN = 4
    # The view reached the last rows and more match: read the page after `cursor`.
    fetch_requested = Signal()
    # The time column's header was clicked: read again, oldest first (True) or newest.
    order_requested = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.items: list[T] = []
        self._texts: list[tuple[str, ...] | None] = []
        self.more = False  # rows after the last one loaded match too
        self.cursor: HistoryCursor | None = None
        self.fetching = False
        self.oldest_first = False

    # -- data in --------------------------------------------------------------------------
    def row_texts(self, item: T) -> tuple[str, ...]:
        raise NotImplementedError

    def set_page(self, page: HistoryPage) -> None:
        """Start over with `page` (new filters, search or order)."""
        self.beginResetModel()
        self.items = list(page.records)
        self._texts = [None] * len(self.items)
        self._after(page)
        self.endResetModel()

    def clear(self) -> None:
        self.set_page(HistoryPage([], truncated=False))

    def append_page(self, page: HistoryPage) -> None:
        """The page after the rows loaded (asked for by `fetch_requested`)."""
        if page.records:
            first = len(self.items)
            self.beginInsertRows(QModelIndex(), first, first + len(page.records) - 1)
            self.items.extend(page.records)
            self._texts.extend([None] * len(page.records))
            self._after(page)
            self.endInsertRows()
        else:
            self._after(page)

    def fetch_failed(self) -> None:
        """The next page could not be read: scrolling asks again."""
        self.fetching = False

    def _after(self, page: HistoryPage) -> None:
        self.more = page.truncated and page.next is not None
        self.cursor = page.next
        self.fetching = False

    def _row(self, index: int) -> tuple[str, ...]:
        texts = self._texts[index]
        if texts is None:  # built when first painted: a page is never formatted up front
            texts = self._texts[index] = self.row_texts(self.items[index])
        return texts

    # -- paging and order (Qt calls these) -----------------------------------------------
    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.more and not self.fetching

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self.fetching = True
            self.fetch_requested.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column != WHEN:
            return  # see the module docstring; the table puts the indicator back
        oldest_first = order == Qt.SortOrder.AscendingOrder
        if oldest_first != self.oldest_first:
            self.oldest_first = oldest_first
            self.order_requested.emit(oldest_first)

    # -- Qt model API ---------------------------------------------------------------------
    @property
    def visible_items(self) -> list[T]:
        return list(self.items)

    def item_at(self, row: int) -> T:
        return self.items[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Click to sort by time" if section == WHEN else "Sorted by time"
        return None

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if role == DISPLAY:
            return self._row(index.row())[index.column()] if index.isValid() else None
        if role not in CELL_ROLES or not index.isValid():
            return None  # (see `roles`)
        return self.cell_data(self.items[index.row()], index.column(), role)

    def cell_data(self, item: T, column: int, role: int) -> Any:
        if column == self.STATUS_COLUMN and role == Qt.ItemDataRole.ForegroundRole:
            role_ = STATUS_ROLES.get(item.status or "")  # type: ignore[attr-defined]
            return colour(role_) if role_ else None
        if role == Qt.ItemDataRole.ToolTipRole and column == WHEN:
            moment = item.when  # type: ignore[attr-defined]
            return f"{moment.isoformat()} (UTC)\n{item.sid}" if moment else item.sid  # type: ignore[attr-defined]
        return None

    def refresh_column(self, column: int) -> None:
        """A column's texts changed for every row (e.g. which calls have recordings)."""
        for index in range(len(self._texts)):
            self._texts[index] = None
        if self.items:
            self.dataChanged.emit(self.index(0, column), self.index(len(self.items) - 1, column))
