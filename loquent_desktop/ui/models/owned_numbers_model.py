"""The owned-numbers table: who answers each number, and whether Loquent knows it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ...domain.numbers import OwnedNumber
from ...domain.validation import format_phone
from ...domain.voice_route import RouteKind, VoiceRoute, sms_route_text
from ..style import Role, colour
from .filtered_table_model import FilteredTableModel

ROUTE_ROLES = {
    RouteKind.TRUNK: Role.ACCENT,
    RouteKind.APP: Role.NOTE,
    RouteKind.URL: Role.WARN,
    RouteKind.LOQUENT: Role.OK,
    RouteKind.NONE: Role.MUTED,
}


class _RouteColours(Mapping[RouteKind, QColor]):
    """ROUTE_ROLES as colours of the palette in use (for models that want a QColor)."""

    def __getitem__(self, kind: RouteKind) -> QColor:
        return colour(ROUTE_ROLES[kind])

    def __iter__(self) -> Iterator[RouteKind]:
        return iter(ROUTE_ROLES)

    def __len__(self) -> int:
        return len(ROUTE_ROLES)


ROUTE_COLOURS = _RouteColours()
ROUTE_TIPS = {
    RouteKind.TRUNK: "Calls go to a SIP trunk. While a trunk is set, Twilio ignores the number's "
    "Voice URL and TwiML app.",
    RouteKind.APP: "Calls go to a TwiML app. While an app is set, Twilio ignores the Voice URL.",
    RouteKind.URL: "Calls go to another platform's Voice URL.",
    RouteKind.LOQUENT: "Calls already reach Loquent.",
    RouteKind.NONE: "Nothing answers: the number has no Voice URL, TwiML app or trunk.",
}


def _imported_text(imported: bool, route: VoiceRoute) -> str:
    if not imported:
        return "Not imported"
    # Importing copies metadata only: calls keep going where they went before.
    return "Imported" if route.kind is RouteKind.LOQUENT else "Imported · no Loquent calls yet"


NUMBER, ANSWERS, NAME, SMS, CAPABILITIES, IMPORTED, LOQUENT = range(7)


class OwnedNumbersModel(FilteredTableModel[OwnedNumber]):
    PHONE_COLUMN = NUMBER
    COLUMNS = (
        "Number",
        "Who answers calls",
        "Friendly name",
        "SMS goes to",
        "Capabilities",
        "In Loquent",
        "Voice → Loquent",
    )

    def __init__(self) -> None:
        super().__init__()
        self.loquent_url = ""
        self.imported: set[str] = set()
        self._routes: dict[str, VoiceRoute] = {}

    def set_numbers(self, numbers: list[OwnedNumber], loquent_url: str, imported: set[str]) -> None:
        # A row shows the number, Loquent's Voice URL and whether it is imported: with the
        # same URL and imports, an unchanged number keeps its row (a Refresh rebuilds none).
        keep_rows = loquent_url == self.loquent_url and imported == self.imported
        self.loquent_url = loquent_url
        self.imported = set(imported)
        self._routes = {}  # filled as rows are shown: see FilteredTableModel
        self.set_items(numbers, keep_rows)

    def item_key(self, item: OwnedNumber) -> str:
        return item.sid

    def mark_imported(self, sids: set[str]) -> None:
        self.set_numbers(self.items, self.loquent_url, self.imported | sids)

    def route(self, number: OwnedNumber) -> VoiceRoute:
        route = self._routes.get(number.sid)
        if route is None:
            route = self._routes[number.sid] = number.voice_route(self.loquent_url)
        return route

    def row_texts(self, item: OwnedNumber) -> tuple[str, ...]:
        route = self.route(item)
        imported = item.sid in self.imported
        return (
            format_phone(item.phone_number),
            route.describe(),
            item.friendly_name or "",
            sms_route_text(item.sms_application_sid, item.sms_url),
            item.capabilities_text,
            _imported_text(imported, route),
            "Yes" if route.kind is RouteKind.LOQUENT else "No",
        )

    def cell_data(self, item: OwnedNumber, column: int, role: int) -> Any:
        if column == ANSWERS:
            route = self.route(item)
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour(ROUTE_ROLES[route.kind])
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{route.describe()}\n{ROUTE_TIPS[route.kind]}"
        if column == IMPORTED and role == Qt.ItemDataRole.ToolTipRole:
            if item.sid not in self.imported:
                return "Not in Loquent's database yet: use Import to copy it (read-only)."
            if self.route(item).kind is not RouteKind.LOQUENT:
                return "Imported, but it receives no Loquent calls until voice routing is set."
            return "Imported and routed to Loquent."
        if column == IMPORTED and role == Qt.ItemDataRole.ForegroundRole:
            imported = item.sid in self.imported
            return colour(Role.OK if imported else Role.MUTED)
        if role == Qt.ItemDataRole.ToolTipRole and column == NUMBER:
            return f"{item.phone_number}\n{item.sid}"
        return None
