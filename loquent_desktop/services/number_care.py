"""Number care: rename an owned number (friendly name) and release it, each an account change
through plan → confirm → execute → journal.

`prepare_…` reads the number fresh from Twilio (the plan must show what it is now, not what a
table read minutes ago), plus what Loquent knows of it, and hands both to the pure builders in
`number_care_plans`. In Shared mode only a number recorded for this organization may be
touched: Loquent's shared account also holds other customers' numbers.

After a release Loquent's row for the number is removed (not marked): Twilio no longer has the
number, and the journal entry keeps everything the row held. The result says what was done.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from ..domain.credentials import Mode, ResolvedCredentials
from ..domain.errors import LoquentError
from ..domain.numbers import OwnedNumber
from ..domain.validation import format_phone
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.event_streams import EventStreamRepository
from ..twilio_api.account import TwilioAccount
from .number_care_plans import (
    ReleaseContext,
    check_friendly_name,
    configuration_text,
    release_plan,
    rename_plan,
)
from .plan_runner import PlannedChange, RunControl
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CareResult:
    """What a rename or release did, in words for the status line and the journal."""

    number: OwnedNumber  # after a rename: as Twilio now has it; after a release: as it was
    released: bool
    local_record: str  # what happened to Loquent's row for it

    @property
    def message(self) -> str:
        shown = format_phone(self.number.phone_number)
        if self.released:
            return f"Released {shown}; Twilio no longer has it on this account. {self.local_record}"
        return f"Renamed {shown} to “{self.number.friendly_name or ''}”. {self.local_record}"

    def summary(self) -> dict[str, object]:
        """For the journal (read by `domain.journal_text`: `phone_number` is not repeated,
        the rest become "Friendly name: …", "Released: yes", …)."""
        done: dict[str, object] = {
            "phone_number": self.number.phone_number,
            "friendly_name": self.number.friendly_name,
            "released": self.released,
            "loquent_database": self.local_record,
        }
        if self.released:  # the plan's details hold every field; this is the readable part
            done["configuration_before"] = configuration_text(self.number)
        return done


class NumberCare:
    def __init__(
        self,
        access: TwilioAccess,
        phone_numbers: PhoneNumberRepository,
        organizations: OrganizationRepository,
        default_voice_url: str,
        event_streams: EventStreamRepository | None = None,
    ) -> None:
        self.access = access
        self.phone_numbers = phone_numbers
        self.organizations = organizations
        self.default_voice_url = default_voice_url
        self.event_streams = event_streams

    async def prepare_rename(
        self, org_id: int, number_sid: str, new_name: str
    ) -> PlannedChange[CareResult]:
        """The plan for setting `number_sid`'s friendly name; InvalidInput before any
        request for a name Twilio would refuse."""
        check_friendly_name(new_name)
        account, resolved, number, org_name = await self._read(org_id, number_sid)
        plan = rename_plan(org_name, resolved.credentials.masked_sid, number, new_name)
        name = plan.details["after"]

        async def execute(_control: RunControl) -> CareResult:
            renamed = await account.incoming_numbers.rename(number_sid, name)
            local = await asyncio.to_thread(self._store_rename, org_id, renamed)
            return CareResult(renamed, released=False, local_record=local)

        return PlannedChange(plan, org_id, execute, summarize=CareResult.summary)

    async def prepare_release(self, org_id: int, number_sid: str) -> PlannedChange[CareResult]:
        """The plan for releasing `number_sid`: everything it ends, typed to confirm."""
        account, resolved, number, org_name = await self._read(org_id, number_sid)
        context = await asyncio.to_thread(self._release_context, org_id, number_sid)
        context = ReleaseContext(
            context.record,
            context.loquent_url,
            context.event_streams,
            billed_party=resolved.billed_party,
        )
        plan = release_plan(org_name, resolved.credentials.masked_sid, number, context)

        async def execute(_control: RunControl) -> CareResult:
            await account.incoming_numbers.release(number_sid)
            # From here on the number IS released: a local failure only changes what we say.
            local = await asyncio.to_thread(self._forget, org_id, number)
            return CareResult(number, released=True, local_record=local)

        return PlannedChange(plan, org_id, execute, summarize=CareResult.summary)

    async def _read(
        self, org_id: int, sid: str
    ) -> tuple[TwilioAccount, ResolvedCredentials, OwnedNumber, str]:
        account, resolved = await self.access.account_for(org_id)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        if resolved.mode is Mode.SHARED:
            recorded = await asyncio.to_thread(self.phone_numbers.get_by_sid, org_id, sid)
            if recorded is None:
                # Never touch another customer's number on Loquent's shared account.
                raise LoquentError(
                    "This number is not recorded for this organization, so Loquent will not "
                    "change it on the shared account."
                )
        number = await account.incoming_numbers.fetch(sid)
        return account, resolved, number, org.name

    def _release_context(self, org_id: int, sid: str) -> ReleaseContext:
        org = self.organizations.get(org_id)
        streams = self.event_streams.list_for(org_id) if self.event_streams is not None else []
        return ReleaseContext(
            self.phone_numbers.get_by_sid(org_id, sid),
            org.effective_voice_url(self.default_voice_url),
            tuple(_stream_name(s.kind) for s in streams),
        )

    def _store_rename(self, org_id: int, renamed: OwnedNumber) -> str:
        try:
            if self.phone_numbers.get_by_sid(org_id, renamed.sid) is None:
                return "It is not in Loquent's database (not imported), so nothing changed there."
            self.phone_numbers.upsert_many(org_id, [renamed.to_store_dict()])
        except Exception as exc:
            log.exception("Renamed %s but could not store the new name", renamed.sid)
            return f"Loquent's database still has the old name ({_reason(exc)}); Refresh shows it."
        return "Loquent's database has the new name too."

    def _forget(self, org_id: int, number: OwnedNumber) -> str:
        try:
            removed = self.phone_numbers.remove(org_id, [number.sid])
        except Exception as exc:
            log.exception("Released %s but could not remove it locally", number.sid)
            return (
                f"Loquent's database still lists it ({_reason(exc)}); it shows as gone after a "
                "Refresh of the owned numbers."
            )
        if removed:
            return (
                "Loquent's record of it was removed from this organization's numbers; the "
                "journal keeps its configuration."
            )
        return "It was not in Loquent's database; the journal keeps its configuration."


def _stream_name(kind: str) -> str:
    return {"sms": "SMS", "calls": "call"}.get(kind, kind)


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc) or type(exc).__name__
