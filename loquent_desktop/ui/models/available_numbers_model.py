"""Search results: numbers that can be bought."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ...domain.numbers import AvailableNumber
from ...domain.validation import format_phone
from ..style import Role, colour
from .filtered_table_model import FilteredTableModel

ADDRESS_TEXT = {
    "none": "None",
    "any": "Any address",
    "local": "Local address",
    "foreign": "Foreign address",
}


def capabilities_text(capabilities: dict[str, bool]) -> str:
    names = {"voice": "Voice", "sms": "SMS", "mms": "MMS", "fax": "Fax"}
    return ", ".join(label for key, label in names.items() if capabilities.get(key))


class AvailableNumbersModel(FilteredTableModel[AvailableNumber]):
    COLUMNS = ("Number", "Locality", "Region", "Capabilities", "Address required")

    def row_texts(self, item: AvailableNumber) -> tuple[str, ...]:
        place = item.locality or ""
        if item.postal_code:
            place = f"{place} {item.postal_code}".strip()
        return (
            format_phone(item.phone_number),
            place,
            ", ".join(p for p in (item.region, item.iso_country) if p),
            capabilities_text(item.capabilities),
            ADDRESS_TEXT.get(item.address_requirements or "none", item.address_requirements),
        )

    def cell_data(self, item: AvailableNumber, column: int, role: int) -> Any:
        needs_address = (item.address_requirements or "none") != "none"
        if column == 4 and needs_address:
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour(Role.WARN)
            if role == Qt.ItemDataRole.ToolTipRole:
                return (
                    "Twilio requires an address on the account before this number can be "
                    "bought. The purchase uses a matching address if the account has one."
                )
        return None
