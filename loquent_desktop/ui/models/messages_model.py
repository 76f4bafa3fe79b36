"""The synced messages table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ...domain.history_records import MessageRecord
from ...domain.validation import format_phone
from .history_model import HistoryTableModel, direction_text, when_text

BODY = 5


class MessagesModel(HistoryTableModel[MessageRecord]):
    COLUMNS = ("Sent", "Direction", "From", "To", "Status", "Message")

    def row_texts(self, item: MessageRecord) -> tuple[str, ...]:
        return (
            when_text(item.when),
            direction_text(item.direction),
            format_phone(item.from_number or ""),
            format_phone(item.to_number or ""),
            item.status or "",
            # One line per row: a multi-line body would make rows of different heights.
            " ".join((item.body or "").split()),
        )

    def cell_data(self, item: MessageRecord, column: int, role: int) -> Any:
        if column == BODY and role == Qt.ItemDataRole.ToolTipRole:
            detail = item.body or ""
            if item.error_code:
                detail += f"\n\nError {item.error_code}: {item.error_message or ''}"
            return detail
        return super().cell_data(item, column, role)
