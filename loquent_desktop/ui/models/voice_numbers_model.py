"""The Voice routing table: each imported number's live routing and what Loquent saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ...domain.validation import format_phone
from ...domain.voice_routing import NumberRouting, shown
from .filtered_table_model import FilteredTableModel
from .owned_numbers_model import ROUTE_COLOURS, ROUTE_TIPS

NUMBER, NAME, ANSWERS, VOICE_URL, FALLBACK, STATUS, LOQUENT, SAVED = range(8)
DRIFT_COLOUR = "#b3261e"


def _with_method(url: str | None, method: str | None, name: str) -> str:
    text = shown(name, url)
    return f"{text} ({method or 'POST'})" if text else ""


class VoiceNumbersModel(FilteredTableModel[NumberRouting]):
    PHONE_COLUMN = NUMBER
    COLUMNS = (
        "Number",
        "Friendly name",
        "Who answers calls",
        "Voice URL",
        "Fallback URL",
        "Status callback",
        "Points at Loquent",
        "Previous configuration",
    )

    def row_texts(self, item: NumberRouting) -> tuple[str, ...]:
        live, route = item.live, item.route
        if live is None or route is None:
            answers = voice = fallback = status = ""
            loquent = "Unknown"
        else:
            answers = route.describe()
            voice = _with_method(live.voice_url, live.voice_method, "voice_url")
            fallback = _with_method(
                live.voice_fallback_url, live.voice_fallback_method, "voice_fallback_url"
            )
            status = shown("status_callback", live.status_callback)
            loquent = "Yes" if item.points_at_loquent else "No"
        return (
            format_phone(item.phone_number),
            item.friendly_name or "",
            answers if live is not None else (item.problem or "Not read"),
            voice,
            fallback,
            status,
            loquent,
            self._saved_text(item),
        )

    @staticmethod
    def _saved_text(item: NumberRouting) -> str:
        if not item.has_snapshot:
            return "—"
        when = item.snapshot_taken_at.strftime("%Y-%m-%d") if item.snapshot_taken_at else ""
        return f"Saved {when}" + (" · changed since" if item.drift else "")

    def cell_data(self, item: NumberRouting, column: int, role: int) -> Any:
        route = item.route
        if column == ANSWERS:
            if route is None:
                if role == Qt.ItemDataRole.ForegroundRole:
                    return QColor(DRIFT_COLOUR)
                return None
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(ROUTE_COLOURS[route.kind])
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{route.describe()}\n{ROUTE_TIPS[route.kind]}"
        if column == LOQUENT and role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#1b6e3a" if item.points_at_loquent else "#6b6b6b")
        if column == SAVED:
            if role == Qt.ItemDataRole.ForegroundRole and item.drift:
                return QColor(DRIFT_COLOUR)
            if role == Qt.ItemDataRole.ToolTipRole:
                if not item.has_snapshot:
                    return "No previous configuration saved: nothing to restore."
                if item.drift:
                    return "Someone changed this number after Loquent configured it: " + "; ".join(
                        c.label for c in item.drift
                    )
                return "Restore puts this saved configuration back."
        if role == Qt.ItemDataRole.ToolTipRole and column in (VOICE_URL, FALLBACK, STATUS):
            return self._row_tip(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == NUMBER:
            return f"{item.phone_number}\n{item.sid}"
        return None

    def _row_tip(self, item: NumberRouting, column: int) -> str | None:
        text = self.row_texts(item)[column]
        return text or None
