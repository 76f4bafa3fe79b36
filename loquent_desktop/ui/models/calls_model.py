"""The synced calls table, with a mark on calls that have recordings (double-clicking one
opens its recordings on the Recordings tab)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ...domain.history_records import CallRecord
from ...domain.validation import format_phone
from .history_model import HistoryTableModel, direction_text, when_text

DURATION = 5
RECORDED = 7
RECORDED_MARK = "● Recorded"


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}:{seconds:02d}"


class CallsModel(HistoryTableModel[CallRecord]):
    COLUMNS = ("Started", "Direction", "From", "To", "Status", "Duration", "Price", "Recording")

    def __init__(self) -> None:
        super().__init__()
        self.recorded: set[str] = set()  # call SIDs with a synced recording

    def set_recorded(self, sids: set[str]) -> None:
        if sids != self.recorded:
            self.recorded = set(sids)
            self.refresh_column(RECORDED)

    def has_recording(self, row: int) -> bool:
        return self.items[row].sid in self.recorded

    def row_texts(self, item: CallRecord) -> tuple[str, ...]:
        price = f"{item.price} {item.price_unit or ''}".strip() if item.price else ""
        return (
            when_text(item.when),
            direction_text(item.direction),
            format_phone(item.from_number or ""),
            format_phone(item.to_number or ""),
            item.status or "",
            duration_text(item.duration),
            price,
            RECORDED_MARK if item.sid in self.recorded else "",
        )

    def cell_data(self, item: CallRecord, column: int, role: int) -> Any:
        if column == RECORDED and role == Qt.ItemDataRole.ToolTipRole:
            if item.sid in self.recorded:
                return "Double-click to open this call's recordings on the Recordings tab"
            return None
        return super().cell_data(item, column, role)
