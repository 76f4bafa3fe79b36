""" "Is this number recorded?": per imported number, what decides whether its calls are
recorded today.

Twilio's precedence (GUIDE §3): a number on a SIP trunk follows the trunk (its recording
Mode; the Voice URL is not used); else a TwiML app's or the Voice URL's TwiML decides, and
recording lives in that TwiML. So: the trunk's mode, Loquent's endpoint (Loquent's own
recording setting decides), another platform's URL (it may record in its own TwiML, which
the app cannot see), or nobody. Numbers' voice fields are as last read from Twilio; trunk
membership is read live.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..domain.records import PhoneNumberRecord
from ..domain.trunks import Trunk
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.recordings import RecordingRepository
from .trunk_recording_plans import mode_text
from .twilio_access import TwilioAccess

TRUNK, LOQUENT, APP, OTHER, NOBODY = "trunk", "loquent", "twiml-app", "other-platform", "nobody"


@dataclass(frozen=True)
class NumberRecording:
    phone_number: str
    decider: str  # one of TRUNK, LOQUENT, APP, OTHER, NOBODY
    text: str
    records: bool | None  # None: cannot be known from here


def who_records(
    number: PhoneNumberRecord, trunk: Trunk | None, loquent_url: str, loquent_records: bool = False
) -> NumberRecording:
    """The rule, pure: what decides recording for `number` (`trunk`: the trunk it is on;
    `loquent_records`: the organization's recording setting in Loquent)."""
    n = number.phone_number
    if trunk is not None:
        mode = trunk.recording.mode if trunk.recording else None
        name = trunk.friendly_name or trunk.sid
        return NumberRecording(
            n, TRUNK,
            f"SIP trunk {name} decides (not the Voice URL): {mode_text(mode)}.",
            None if mode is None else mode != "do-not-record",
        )  # fmt: skip
    if number.voice_application_sid:
        return NumberRecording(
            n, APP, f"TwiML app {number.voice_application_sid}: its TwiML may record.", None
        )
    url = (number.voice_url or "").strip()
    if url and url.rstrip("/") == loquent_url.rstrip("/"):
        said = "on: Loquent records" if loquent_records else "off: Loquent does not record"
        return NumberRecording(
            n, LOQUENT, f"Loquent's endpoint; Loquent's recording setting is {said}.",
            loquent_records,
        )  # fmt: skip
    if url:
        host = urlsplit(url).hostname or url
        return NumberRecording(
            n, OTHER, f"Another platform ({host}) may record in its TwiML.", None
        )
    return NumberRecording(n, NOBODY, "Nobody: no trunk, app or Voice URL answers it.", False)


class RecordingCoverage:
    def __init__(
        self, access: TwilioAccess, organizations: OrganizationRepository,
        phone_numbers: PhoneNumberRepository, recordings: RecordingRepository,
        default_voice_url: str,
    ) -> None:  # fmt: skip
        self.access = access
        self.recordings = recordings
        self.organizations = organizations
        self.phone_numbers = phone_numbers
        self.default_voice_url = default_voice_url

    async def numbers(self, org_id: int) -> list[NumberRecording]:
        """Every imported number of the organization and what records it (GETs only)."""
        org = await asyncio.to_thread(self.organizations.get, org_id)
        numbers = await asyncio.to_thread(self.phone_numbers.list_for_org, org_id)
        account, _ = await self.access.account_for(org_id)
        trunks = await account.trunks.list_trunks()
        members = await asyncio.gather(*(account.trunks.list_numbers(t.sid) for t in trunks))
        on_trunk = {n.phone_number: t for t, ns in zip(trunks, members, strict=True) for n in ns}
        url = org.effective_voice_url(self.default_voice_url)
        ours = await self.setting(org_id)
        return [who_records(n, on_trunk.get(n.phone_number), url, ours) for n in numbers]

    async def setting(self, org_id: int) -> bool:
        """Loquent's recording setting of the organization (local; off by default)."""
        return await asyncio.to_thread(self.recordings.setting, org_id)

    async def set_setting(self, org_id: int, enabled: bool) -> None:
        """Store Loquent's setting. Local only: nothing is sent to Twilio, so no plan."""
        await asyncio.to_thread(self.recordings.set_setting, org_id, enabled)
