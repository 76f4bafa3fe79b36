"""The Contacts view's use cases: every contact of an organization with its first and last
contact time, message and call counts and the organization's numbers it talked to; CSV
export. Local only: reads Loquent's database, never Twilio.

Counting happens in the database (one GROUP BY per kind, see
`ContactRepository.activity`); Python only merges two rows per contact (messages, calls),
however many messages there are.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..domain.contacts import ContactSummary
from ..store.repositories.contacts import ActivityRow, ContactRepository
from .number_export import csv_safe

CONTACT_CSV_HEADER = (
    "contact", "first_contact", "last_contact", "messages", "calls", "our_numbers",
)  # fmt: skip
_NEVER = datetime.min.replace(tzinfo=UTC)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()  # UTC, unambiguous for any tool reading the file
    return str(value)


def summarize(
    contacts: Iterable[tuple[str, datetime | None]],
    messages: Iterable[ActivityRow],
    calls: Iterable[ActivityRow],
) -> list[ContactSummary]:
    """One summary per stored contact (newest contact first). Parties of the history that
    are not stored contacts (the organization's own numbers, forgotten as such) are left
    out: the contact table decides who is a contact. A plain loop over lists: at 50,000
    contacts every call per row shows."""
    # phone -> [messages, calls, first, last, our numbers]
    acc: dict[str, list[Any]] = {phone: [0, 0, None, last, set()] for phone, last in contacts}
    for index, activity in enumerate((messages, calls)):
        for phone, numbers, count, earliest, latest in activity:
            row = acc.get(phone)
            if row is None:
                continue
            row[index] += count
            if earliest is not None and (row[2] is None or earliest < row[2]):
                row[2] = earliest
            if latest is not None and (row[3] is None or latest > row[3]):
                row[3] = latest
            row[4].update(numbers)
    rows = [
        ContactSummary(phone, first or last, last, m, c, tuple(sorted(ours)))
        for phone, (m, c, first, last, ours) in acc.items()
    ]
    rows.sort(key=lambda r: r.phone_number)
    # Stable: equal times keep the number order; no time at all goes last.
    rows.sort(key=lambda r: (r.last_contact is not None, r.last_contact or _NEVER), reverse=True)
    return rows


def write_contacts_csv(rows: Iterable[ContactSummary], path: Path) -> int:
    """UTF-8 CSV with a header (times in UTC ISO 8601, our numbers separated by spaces);
    returns rows written. OSError propagates for the caller to explain."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTACT_CSV_HEADER)
        for row in rows:
            values = (
                row.phone_number, row.first_contact, row.last_contact, row.messages,
                row.calls, " ".join(row.our_numbers),
            )  # fmt: skip
            writer.writerow([csv_safe(_cell(value)) for value in values])
            count += 1
    return count


class ContactsService:
    def __init__(self, contacts: ContactRepository) -> None:
        self.contacts = contacts

    async def summaries(self, org_id: int) -> list[ContactSummary]:
        """The organization's contacts, newest contact first. The three reads run at once on
        worker threads (SQLite and PostgreSQL drivers let go of the GIL while they work)."""
        stored, messages, calls = await asyncio.gather(
            asyncio.to_thread(self.contacts.list_for_org, org_id),
            asyncio.to_thread(self.contacts.activity, org_id, "messages"),
            asyncio.to_thread(self.contacts.activity, org_id, "calls"),
        )
        if not stored:
            return []
        pairs = [(c.phone_number, c.last_contacted_at) for c in stored]
        return await asyncio.to_thread(summarize, pairs, messages, calls)

    async def export_csv(self, rows: list[ContactSummary], path: Path) -> int:
        """Write `rows` (those on screen) to `path`; returns rows written."""
        return await asyncio.to_thread(write_contacts_csv, rows, path)
