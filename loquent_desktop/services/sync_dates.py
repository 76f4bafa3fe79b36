"""The days a history sync reads from: Twilio's day-granular date filters, and when a
Shared organization's number's history starts being its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as day_start

from ..domain.records import PhoneNumberRecord
from ..store.column_types import utcnow


def day_of(moment: date | datetime) -> datetime:
    """Midnight UTC of the UTC day `moment` falls on: the resolution of Twilio's date
    filters. A plain date is a calendar day where the user is: its local midnight, rounded
    down to a UTC day, so the sync starts no later than the day the user picked (east of
    UTC that is the UTC day before)."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, day_start(0)).astimezone()
    return datetime.combine(moment.astimezone(UTC).date(), day_start(0), tzinfo=UTC)


def held_since(numbers: Sequence[PhoneNumberRecord]) -> dict[str, datetime]:
    """When the organization got each of its numbers: where a Shared number's history
    starts. The shared account's lists also hold what happened on a number before, under
    a previous holder when it was released and bought again (by Loquent, for another
    organization). A Shared organization's numbers are bought for it (never imported), so
    Twilio's `date_created` of the number is exactly when this holding began; a record
    without it falls back to when Loquent recorded the number (later: never another
    holder's history, at worst a few of the organization's own first days missing). A
    number recorded twice (bought, released, bought again) counts from the latest: the
    time in between may have been someone else's."""
    held: dict[str, datetime] = {}
    for number in numbers:
        start = number.date_created or number.imported_at or utcnow()
        held[number.phone_number] = max(start, held.get(number.phone_number, start))
    return held
