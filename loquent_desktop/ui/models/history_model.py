"""What the messages and calls tables share: newest-first rows, a date column sorted by
time rather than text, and a search box that finds a number however it is typed.

Numbers are shown as Twilio stores them (E.164). Formatting 50,000 of them with the
phonenumbers library would take seconds, and a search for "(415) 555-0100" still finds
+14155550100: number-like search words are reduced to their digits first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt

from ...domain.contacts import side_of
from ..style import Role, colour
from .filtered_table_model import FilteredTableModel

T = TypeVar("T")
WHEN = 0
_NUMBER_LIKE = re.compile(r"^[+()\d.\-]*\d[+()\d.\-]*$")
STATUS_ROLES = {
    "failed": Role.ERROR,
    "undelivered": Role.ERROR,
    "busy": Role.WARN,
    "no-answer": Role.WARN,
    "canceled": Role.MUTED,
}


def search_words(text: str) -> str:
    """'(415) 555-0100' -> '415 5550100': each number-like word keeps only its digits
    (and a leading +), so it matches the E.164 text in the table."""
    words = []
    for word in text.split():
        if _NUMBER_LIKE.match(word):
            digits = re.sub(r"\D", "", word)
            word = ("+" + digits) if word.startswith("+") else digits
        words.append(word)
    return " ".join(words)


def when_text(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


def direction_text(direction: str | None) -> str:
    side = side_of(direction)
    if side is None:
        return direction or ""
    text = "In" if side == "inbound" else "Out"
    # Over the customer's SIP trunk (trunking-originating / -terminating).
    return f"{text} (trunk)" if (direction or "").startswith("trunking") else text


class HistoryTableModel(FilteredTableModel[T], Generic[T]):
    """Subclasses set COLUMNS and implement `row_texts`; items have `.when` and `.status`."""

    STATUS_COLUMN = 4

    def set_filter(self, text: str) -> None:
        super().set_filter(search_words(text))

    def _key(self, index: int, column: int, texts: list[tuple[str, ...]]) -> Any:
        if column == WHEN:
            # Items arrive newest first (HistoryRepository.search orders by date), so their
            # position is their time order: no 50,000 datetime reads on the GUI thread.
            return -index
        return texts[index][column].lower()

    def _sort_needs_texts(self, column: int) -> bool:
        return column != WHEN

    def cell_data(self, item: T, column: int, role: int) -> Any:
        if column == self.STATUS_COLUMN and role == Qt.ItemDataRole.ForegroundRole:
            role_ = STATUS_ROLES.get(item.status or "")  # type: ignore[attr-defined]
            return colour(role_) if role_ else None
        if role == Qt.ItemDataRole.ToolTipRole and column == WHEN:
            moment = item.when  # type: ignore[attr-defined]
            return f"{moment.isoformat()} (UTC)\n{item.sid}" if moment else item.sid  # type: ignore[attr-defined]
        return None
