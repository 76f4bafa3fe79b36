"""A table model that filters and sorts itself over precomputed rows.

A QSortFilterProxyModel calls back into Python once per row per keystroke, which costs tens of
milliseconds at 10,000 rows. Here each row's display texts and a lower-cased search text are
built once per row; a keystroke is then a list comprehension over plain strings. The sorted
order of all rows is kept until the sort or the items change, so a keystroke filters rows
already in order instead of sorting its matches again, and a keystroke that only narrows the
filter (one more letter, one more word) looks only at the rows the last one matched.

Building them is not free either (formatting 10,000 phone numbers takes ~0.3 s), so it never
happens in one go when data arrives: rows on screen are built when painted, the rest a chunk
per turn of the event loop. A filter or a sort on a text column that comes before the
background work is done finishes it first. A model that names its items (`item_key`) keeps
the rows of items that came back unchanged: a Refresh of 10,000 numbers rebuilds none.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from .roles import CELL_ROLES, DISPLAY

T = TypeVar("T")
_Index = QModelIndex | QPersistentModelIndex
# Background building takes turns of at most SLICE_S, STEP rows at a time (a row costs from a
# few µs to ~100 µs: a number formatted for the first time on a busy machine; a fixed number
# of rows a turn froze the window for up to 90 ms), and leaves the event loop BREAK_MS
# between turns: asyncio's callbacks are zero-time Qt timers too, and a chain of them (a
# load task ending, what it starts) waited for a building turn at every step.
SLICE_S = 0.008
STEP = 25
BREAK_MS = 4


class FilteredTableModel(QAbstractTableModel, Generic[T]):
    """Subclasses set `COLUMNS` and implement `row_texts(item)` (one text per column) and may
    override `_key(index, column, texts)` (sort key), `_sort_needs_texts(column)` (False when
    `_key` reads the item, not `texts`) and `cell_data(item, column, role)`."""

    COLUMNS: Sequence[str] = ()
    # A column showing a formatted phone number ("+1 415-555-0100") sorts by the item's
    # E.164 `phone_number` instead, without building any row text.
    PHONE_COLUMN: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.items: list[T] = []
        self._texts: list[tuple[str, ...] | None] = []  # None: not built yet
        self._haystacks: list[str] = []
        self._cursor = 0  # every row before it is built
        self._builder = QTimer(self)  # re-armed after each turn: the break follows the turn
        self._builder.setSingleShot(True)
        self._builder.setInterval(BREAK_MS)
        self._builder.timeout.connect(self._build_chunk)
        self._visible: list[int] = []
        self._needle: list[str] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._order: list[int] | None = None  # every row, sorted; None: sort again

    # -- data in --------------------------------------------------------------------------
    def row_texts(self, item: T) -> tuple[str, ...]:
        raise NotImplementedError

    def cell_data(self, item: T, column: int, role: int) -> Any:
        return None

    def item_key(self, item: T) -> Any:
        """What names an item across reloads (a SID), or None: rows are then never kept."""
        return None

    def set_items(self, items: list[T], keep_rows: bool = False) -> None:
        """Show `items`. With `keep_rows` (what a row shows depends on nothing else that
        changed), an item equal to one shown before keeps its built row."""
        items = list(items)
        texts: list[tuple[str, ...] | None] = [None] * len(items)
        haystacks = [""] * len(items)
        if keep_rows:
            self._keep_rows(items, texts, haystacks)
        self.beginResetModel()
        self.items = items
        self._texts = texts
        self._haystacks = haystacks
        self._cursor = 0
        self._order = None
        self._visible = self._matching(self._sorted())
        self.endResetModel()
        if self._cursor < len(self.items):
            self._builder.start()

    def _keep_rows(
        self, items: list[T], texts: list[tuple[str, ...] | None], haystacks: list[str]
    ) -> None:
        key = self.item_key
        old_texts, old_items = self._texts, self.items
        built = {key(item): i for i, item in enumerate(old_items) if old_texts[i] is not None}
        built.pop(None, None)
        if not built:
            return
        for index, item in enumerate(items):
            old = built.get(key(item))
            if old is not None and old_items[old] == item:
                texts[index] = old_texts[old]
                haystacks[index] = self._haystacks[old]

    def _row(self, index: int) -> tuple[str, ...]:
        texts = self._texts[index]
        if texts is None:
            item = self.items[index]
            texts = self._texts[index] = self.row_texts(item)
            haystack = "\t".join(texts)
            if self.PHONE_COLUMN is not None:  # shown formatted, found as typed: +1415…, 415…
                haystack += "\t" + str(getattr(item, "phone_number", "") or "")
            self._haystacks[index] = haystack.lower()
        return texts

    def _build(self, limit: int | None = None) -> None:
        """Build the next `limit` rows (all of them when None)."""
        total = len(self.items)
        end = total if limit is None else min(total, self._cursor + limit)
        row = self._row
        for index in range(self._cursor, end):
            row(index)
        self._cursor = end
        if end >= total:
            self._builder.stop()

    def _build_chunk(self) -> None:
        deadline = time.perf_counter() + SLICE_S
        while not self.fully_built and time.perf_counter() < deadline:
            self._build(STEP)
        if not self.fully_built:
            self._builder.start()

    def pause_building(self, paused: bool) -> None:
        """Stop (or resume) building rows in the background, e.g. while new items are being
        read: they would take turns of the event loop from reading them, and only rows
        that are shown, filtered or sorted need to exist."""
        if paused:
            self._builder.stop()
        elif not self.fully_built:
            self._builder.start()

    @property
    def fully_built(self) -> bool:
        return self._cursor >= len(self.items)

    # -- filter and sort ------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        needle = text.lower().split()
        if needle == self._needle:
            return
        # Rows matching a narrower filter all match the previous one: look only at those.
        narrower = len(needle) >= len(self._needle) and all(
            old in new for old, new in zip(self._needle, needle, strict=False)
        )
        candidates = self._visible if narrower else self._sorted()
        self.beginResetModel()
        self._needle = needle
        self._visible = self._matching(candidates)
        self.endResetModel()

    def _matching(self, candidates: list[int]) -> list[int]:
        """The rows among `candidates` (in their order) that hold every word of the filter."""
        words = self._needle
        if not words:
            return list(candidates)
        self._build()
        hay = self._haystacks
        if len(words) == 1:
            word = words[0]
            return [i for i in candidates if word in hay[i]]
        return [i for i in candidates if all(w in hay[i] for w in words)]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._order = None
        shown = set(self._visible)
        self._visible = [i for i in self._sorted() if i in shown]
        self.layoutChanged.emit()

    def _sorted(self) -> list[int]:
        """Every row in the current sort's order (stable: ties keep the items' order, as
        sorting the matches themselves would)."""
        if self._order is None:
            order = list(range(len(self.items)))
            if self._sort is not None:
                column, direction = self._sort
                if self._sort_needs_texts(column):
                    self._build()
                texts: list[Any] = self._texts
                keys = [self._key(i, column, texts) for i in order]
                order.sort(key=keys.__getitem__, reverse=direction == Qt.SortOrder.DescendingOrder)
            self._order = order
        return self._order

    def _key(self, index: int, column: int, texts: list[tuple[str, ...]]) -> Any:
        if column == self.PHONE_COLUMN:
            return self.items[index].phone_number  # type: ignore[attr-defined]
        return texts[index][column].lower()

    def _sort_needs_texts(self, column: int) -> bool:
        return column != self.PHONE_COLUMN

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

    def data(self, index: _Index, role: int = DISPLAY) -> Any:
        if role == DISPLAY:
            if not index.isValid():
                return None
            return self._row(self._visible[index.row()])[index.column()]
        if role not in CELL_ROLES or not index.isValid():
            return None  # (see `roles`)
        return self.cell_data(self.items[self._visible[index.row()]], index.column(), role)
