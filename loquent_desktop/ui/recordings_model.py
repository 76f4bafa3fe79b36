"""The Recordings table: one row per synced recording, with its call's number and contact
side and whether its audio is downloaded. A QAbstractTableModel, so thousands stay fast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..domain.recordings import RecordingRow
from ..domain.validation import format_phone

COLUMNS = (
    "Date", "Number", "Contact", "Duration", "Channels", "Source", "Status", "Price", "Call",
    "Recording",
    "File",
)  # fmt: skip
Index = QModelIndex | QPersistentModelIndex


class RecordingsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RecordingRow] = []
        self.files: dict[str, Path] = {}

    def set_rows(self, rows: list[RecordingRow], files: dict[str, Path]) -> None:
        self.beginResetModel()
        self.rows, self.files = rows, dict(files)
        self.endResetModel()

    def set_files(self, files: dict[str, Path]) -> None:
        self.files = dict(files)
        if self.rows:
            column = COLUMNS.index("File")
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, COLUMNS[index.column()])
        if role == Qt.ItemDataRole.UserRole:
            return row.sid
        return None

    def _text(self, row: RecordingRow, column: str) -> str:
        r = row.recording
        if column == "Date":
            return r.when.astimezone().strftime("%Y-%m-%d %H:%M") if r.when else ""
        if column == "Number":
            # The number comes from the recording's call: synced on the Sync tab.
            if row.number:
                return format_phone(row.number)
            return "" if row.direction else "call not synced"
        if column == "Contact":
            return row.contact or ""
        if column == "Duration":
            return "" if r.duration is None else f"{r.duration // 60}:{r.duration % 60:02d}"
        if column == "Channels":
            return {1: "mono", 2: "dual"}.get(r.channels or 0, "")
        if column == "Source":
            return r.recording_source or ""
        if column == "Status":
            return r.status or ""
        if column == "Price":
            return f"{r.price} {r.price_unit or ''}".strip() if r.price else ""
        if column == "Call":
            return r.call_sid or ""
        if column == "Recording":
            return r.sid
        path = self.files.get(r.sid)
        return path.name if path is not None else ""

    def sid_at(self, row: int) -> str:
        return self.rows[row].sid
