"""The Voice routing table: each imported number's live routing and what Loquent saved.

Columns in the order an account manager reads them: the number, who answers it, whether
that is Loquent, whether a configuration is saved to restore; the raw URLs after that, so a
narrow window still shows what matters without scrolling sideways."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ...domain.validation import format_phone
from ...domain.voice_routing import NumberRouting, shown
from ..style import Role, colour
from .filtered_table_model import FilteredTableModel
from .owned_numbers_model import ROUTE_COLOURS, ROUTE_TIPS

NUMBER, ANSWERS, LOQUENT, SAVED, NAME, VOICE_URL, FALLBACK, STATUS = range(8)
# Initial widths: the first four fit side by side in the table's share of a 1024 px window.
WIDTHS = (122, 196, 84, 104, 150, 230, 160, 160)
HEADER_TIPS = {
    ANSWERS: "Where Twilio sends the number's inbound calls now (a trunk or TwiML app wins "
    "over the Voice URL)",
    LOQUENT: "Whether inbound calls to the number reach Loquent now",
    SAVED: "The voice configuration saved before Loquent first changed the number: what "
    "Restore previous… writes back",
}


def _with_method(url: str | None, method: str | None, name: str) -> str:
    text = shown(name, url)
    return f"{text} ({method or 'POST'})" if text else ""


class VoiceNumbersModel(FilteredTableModel[NumberRouting]):
    PHONE_COLUMN = NUMBER
    COLUMNS = (
        "Number",
        "Who answers calls",
        "Loquent",
        "Saved",
        "Friendly name",
        "Voice URL",
        "Fallback URL",
        "Status callback",
    )

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return HEADER_TIPS.get(section)
        return super().headerData(section, orientation, role)

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
            answers if live is not None else (item.problem or "Not read"),
            loquent,
            self._saved_text(item),
            item.friendly_name or "",
            voice,
            fallback,
            status,
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
                    return colour(Role.ERROR)
                if role == Qt.ItemDataRole.ToolTipRole:
                    return item.problem or "The live configuration could not be read."
                return None
            if role == Qt.ItemDataRole.ForegroundRole:
                return ROUTE_COLOURS[route.kind]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{route.describe()}\n{ROUTE_TIPS[route.kind]}"
        if column == LOQUENT and role == Qt.ItemDataRole.ForegroundRole:
            return colour(Role.OK if item.points_at_loquent else Role.MUTED)
        if column == SAVED:
            if role == Qt.ItemDataRole.ForegroundRole and item.drift:
                return colour(Role.ERROR)
            if role == Qt.ItemDataRole.ToolTipRole:
                if not item.has_snapshot:
                    return "No previous configuration saved: nothing to restore."
                if item.drift:
                    return "Someone changed this number after Loquent configured it: " + "; ".join(
                        c.label for c in item.drift
                    )
                return "Restore puts this saved configuration back."
        if role == Qt.ItemDataRole.ToolTipRole and column in (NAME, VOICE_URL, FALLBACK, STATUS):
            return self._row_tip(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == NUMBER:
            return f"{item.phone_number}\n{item.sid}"
        return None

    def _row_tip(self, item: NumberRouting, column: int) -> str | None:
        text = self.row_texts(item)[column]
        return text or None
