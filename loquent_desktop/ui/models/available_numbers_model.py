"""Search results: numbers that can be bought."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ...domain.numbers import AvailableNumber
from ...domain.prices import PriceLookup
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


ADDRESS, PRICE = 4, 5
READING_PRICE = "Reading Twilio's price for this number type…"


class AvailableNumbersModel(FilteredTableModel[AvailableNumber]):
    COLUMNS = (
        "Number",
        "Locality",
        "Region",
        "Capabilities",
        "Address required",
        "Monthly price",
    )

    def __init__(self) -> None:
        super().__init__()
        # One search is one country and number type, so one price holds for every row;
        # None while it is being read.
        self.price: PriceLookup | None = None

    def set_price(self, price: PriceLookup | None) -> None:
        self.price = price
        if self.rowCount():
            self.dataChanged.emit(self.index(0, PRICE), self.index(self.rowCount() - 1, PRICE))

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        # The price arrives after the rows: it is read here rather than built into the
        # rows' cached texts.
        if index.isValid() and index.column() == PRICE and role == Qt.ItemDataRole.DisplayRole:
            return "…" if self.price is None else self.price.column_text
        return super().data(index, role)

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
            "",  # Monthly price: see `data`
        )

    def cell_data(self, item: AvailableNumber, column: int, role: int) -> Any:
        if column == PRICE:
            return self._price_data(role)
        needs_address = (item.address_requirements or "none") != "none"
        if column == ADDRESS and needs_address:
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour(Role.WARN)
            if role == Qt.ItemDataRole.ToolTipRole:
                return (
                    "Twilio requires an address on the account before this number can be "
                    "bought. The purchase uses a matching address if the account has one."
                )
        return None

    def _price_data(self, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return READING_PRICE if self.price is None else self.price.tooltip
        if role == Qt.ItemDataRole.ForegroundRole and (self.price is None or not self.price.price):
            return colour(Role.MUTED)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
