"""Who changed a number on Twilio: its Monitor Events, read for the Voice routing tab.

Read-only. A number's changes come from Twilio's Monitor (actor, Console or API, source
address, fields before and after); the ones made with the credentials Loquent uses for the
account are marked as Loquent's own. When they cannot be read, the answer carries a plain
sentence instead of raising: credentials without Monitor access are common (a restricted API
key) and must not look like a failure of the tab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ..domain.errors import TwilioApiError
from ..domain.monitor_events import NumberChanges, explain_drift
from ..domain.validation import format_phone
from ..domain.voice_routing import NumberRouting
from ..twilio_api.account import TwilioAccount
from .twilio_access import TwilioAccess

# A restore of many drifted numbers names who changed the first few; the rest are in the
# Voice routing tab, one number at a time.
EXPLAINED_NUMBERS = 10

NO_PERMISSION = (
    "Twilio did not let these credentials read who changed this number (its Monitor "
    "events). An Auth Token, or an API key with access to Monitor, can read them."
)


def unreadable(err: TwilioApiError) -> str:
    """Why the changes could not be read, in a sentence."""
    if err.is_denied:
        return NO_PERMISSION
    return f"Who changed this number on Twilio could not be read: {err}"


class NumberChangesService:
    def __init__(self, access: TwilioAccess) -> None:
        self.access = access

    async def changes(
        self, org_id: int, number_sid: str, since: datetime | None = None
    ) -> NumberChanges:
        """The number's changes on Twilio, newest first (from `since` on, if given)."""
        account, resolved = await self.access.account_for(org_id)
        try:
            found = await account.monitor_events.list_for_resource(number_sid, start=since)
        except TwilioApiError as err:
            return NumberChanges(number_sid, problem=unreadable(err))
        ours = resolved.credentials.username
        marked = tuple(replace(c, by_these_credentials=c.actor == ours) for c in found)
        return NumberChanges(number_sid, marked)


async def drift_authors(
    account: TwilioAccount, username: str, numbers: Sequence[NumberRouting]
) -> list[str]:
    """For a restore plan: who made each drifted number's changes ("+1 415… : Changed on
    Twilio … from the Console by user US… (203.0.113.7): Voice URL -> …"), for the first
    few drifted numbers. Read-only; nothing when Twilio will not say (no permission)."""
    drifted = [n for n in numbers if n.drift][:EXPLAINED_NUMBERS]

    async def explain(number: NumberRouting) -> list[str]:
        try:
            found = await account.monitor_events.list_for_resource(number.sid)
        except TwilioApiError:
            return []
        marked = [replace(c, by_these_credentials=c.actor == username) for c in found]
        since = number.routed_at or number.snapshot_taken_at
        phone = format_phone(number.phone_number)
        return [f"{phone}: {c.describe()}" for c in explain_drift(number.drift, marked, since)]

    lines = await asyncio.gather(*(explain(n) for n in drifted))
    return [line for per_number in lines for line in per_number]
