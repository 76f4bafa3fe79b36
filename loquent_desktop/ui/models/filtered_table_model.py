"""A table model that filters and sorts itself over precomputed rows.

A QSortFilterProxyModel calls back into Python once per row per keystroke, which costs tens of
milliseconds at 10,000 rows. Here each row's display texts and a lower-cased search text are
built once when data arrives; a keystroke is then a list comprehension over plain strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

T = TypeVar("T")
_Index = QModelIndex | QPersistentModelIndex


class FilteredTableModel(QAbstractTableModel, Generic[T]):
    """Subclasses set `COLUMNS` and implement `row_texts(item)` (one text per column) and may
    override `_key(index, column, texts)` (sort key) and `cell_data(item, column, role)`."""

    COLUMNS: Sequence[str] = ()

    def __init__(self) -> None:
        super().__init__()
        self.items: list[T] = []
        self._texts: list[tuple[str, ...]] = []
        self._haystacks: list[str] = []
        self._visible: list[int] = []
        self._needle: list[str] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- data in --------------------------------------------------------------------------
    def row_texts(self, item: T) -> tuple[str, ...]:
        raise NotImplementedError

    def cell_data(self, item: T, column: int, role: int) -> Any:
        return None

    def set_items(self, items: list[T]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self._texts = [self.row_texts(item) for item in self.items]
        self._haystacks = ["\t".join(t).lower() for t in self._texts]
        self._visible = self._matching()
        self._apply_sort()
        self.endResetModel()

    # -- filter and sort ------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        needle = text.lower().split()
        if needle == self._needle:
            return
        self.beginResetModel()
        self._needle = needle
        self._visible = self._matching()
        self._apply_sort()
        self.endResetModel()

    def _matching(self) -> list[int]:
        words = self._needle
        if not words:
            return list(range(len(self.items)))
        hay = self._haystacks
        if len(words) == 1:
            word = words[0]
            return [i for i, h in enumerate(hay) if word in h]
        return [i for i, h in enumerate(hay) if all(w in h for w in words)]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply_sort()
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        if self._sort is None:
            return
        column, order = self._sort
        texts = self._texts
        keys = {i: self._key(i, column, texts) for i in self._visible}
        self._visible.sort(key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)

    def _key(self, index: int, column: int, texts: list[tuple[str, ...]]) -> Any:
        return texts[index][column].lower()

    # -- Qt model API ---------------------------------------------------------------------
    @property
    def visible_items(self) -> list[T]:
        return [self.items[i] for i in self._visible]

    def item_at(self, row: int) -> T:
        return self.items[self._visible[row]]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        source = self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[source][index.column()]
        return self.cell_data(self.items[source], index.column(), role)
