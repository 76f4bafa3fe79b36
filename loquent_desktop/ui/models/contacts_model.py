"""The Contacts table: one row per contact with its last and first contact time, message
and call counts and the organization's numbers it talked to.

Times and counts sort by value (a text sort would put 10 before 9); the search box finds a
number however it is typed, like the history tables.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt

from ...domain.contacts import ContactSummary
from ...domain.validation import format_phone
from .filtered_table_model import FilteredTableModel
from .history_model import when_text

CONTACT, LAST, FIRST, MESSAGES, CALLS, OURS = range(6)
_NEVER = datetime.min.replace(tzinfo=UTC)
_NUMBER_LIKE = re.compile(r"^[+()\d.\-]*\d[+()\d.\-]*$")


def search_words(text: str) -> str:
    """'(415) 555-0100' -> '415 5550100': each number-like word keeps only its digits (and
    a leading +), so it matches the E.164 text in the table."""
    words = []
    for word in text.split():
        if _NUMBER_LIKE.match(word):
            digits = re.sub(r"\D", "", word)
            word = ("+" + digits) if word.startswith("+") else digits
        words.append(word)
    return " ".join(words)


class ContactsModel(FilteredTableModel[ContactSummary]):
    COLUMNS = ("Contact", "Last contact", "First contact", "Messages", "Calls", "Our numbers")
    PHONE_COLUMN = CONTACT

    def row_texts(self, item: ContactSummary) -> tuple[str, ...]:
        return (
            format_phone(item.phone_number),
            when_text(item.last_contact),
            when_text(item.first_contact),
            f"{item.messages:,}",
            f"{item.calls:,}",
            ", ".join(map(format_phone, item.our_numbers)),
        )

    def set_filter(self, text: str) -> None:
        super().set_filter(search_words(text))

    def _key(self, index: int, column: int, texts: list[tuple[str, ...]]) -> Any:
        item = self.items[index]
        if column == LAST:
            return item.last_contact or _NEVER
        if column == FIRST:
            return item.first_contact or _NEVER
        if column == MESSAGES:
            return item.messages
        if column == CALLS:
            return item.calls
        return super()._key(index, column, texts)

    def _sort_needs_texts(self, column: int) -> bool:
        return column == OURS

    def cell_data(self, item: ContactSummary, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (MESSAGES, CALLS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column in (LAST, FIRST):
            moment = item.last_contact if column == LAST else item.first_contact
            return f"{moment.isoformat()} (UTC)" if moment else None
        if role == Qt.ItemDataRole.ToolTipRole and column == OURS:
            return "\n".join(map(format_phone, item.our_numbers)) or None
        if role == Qt.ItemDataRole.ToolTipRole and column == CONTACT:
            return "Double-click to see this contact's messages and calls"
        return None
