"""The synced calls table."""

from __future__ import annotations

from typing import Any

from ...domain.history_records import CallRecord
from .history_model import HistoryTableModel, direction_text, when_text

DURATION = 5


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}:{seconds:02d}"


class CallsModel(HistoryTableModel[CallRecord]):
    COLUMNS = ("Started", "Direction", "From", "To", "Status", "Duration", "Price")

    def row_texts(self, item: CallRecord) -> tuple[str, ...]:
        price = f"{item.price} {item.price_unit or ''}".strip() if item.price else ""
        return (
            when_text(item.when),
            direction_text(item.direction),
            item.from_number or "",
            item.to_number or "",
            item.status or "",
            duration_text(item.duration),
            price,
        )

    def _key(self, index: int, column: int, texts: list[tuple[str, ...]]) -> Any:
        if column == DURATION:  # "10:05" sorts before "9:00" as text
            return self.items[index].duration or -1
        return super()._key(index, column, texts)

    def _sort_needs_texts(self, column: int) -> bool:
        return column != DURATION and super()._sort_needs_texts(column)
