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

from ..domain.records import OrganizationRecord, PhoneNumberRecord
from ..domain.trunks import Trunk
from ..domain.voice_route import VoiceConfig
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
    return decide(
        number.phone_number, number.voice_application_sid, number.voice_url, trunk,
        loquent_url, loquent_records,
    )  # fmt: skip


def decide(
    n: str,
    app_sid: str | None,
    voice_url: str | None,
    trunk: Trunk | None,
    loquent_url: str,
    loquent_records: bool = False,
) -> NumberRecording:
    """`who_records` on the fields themselves (a live voice configuration, or a record)."""
    if trunk is not None:
        mode = trunk.recording.mode if trunk.recording else None
        name = trunk.friendly_name or trunk.sid
        return NumberRecording(
            n, TRUNK,
            f"SIP trunk {name} decides (not the Voice URL): {mode_text(mode)}.",
            None if mode is None else mode != "do-not-record",
        )  # fmt: skip
    if app_sid:
        return NumberRecording(n, APP, f"TwiML app {app_sid}: its TwiML may record.", None)
    url = (voice_url or "").strip()
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
        self._settings: dict[int, bool] = {}  # Loquent's setting per organization, once read

    def answer_now(
        self, org: OrganizationRecord, phone_number: str, config: VoiceConfig
    ) -> NumberRecording | None:
        """`for_number` without waiting, when nothing has to be read: the number is on no
        trunk and the organization's setting is known. None: call `for_number`."""
        ours = self._settings.get(org.id)
        if config.trunk_sid or ours is None:
            return None
        url = org.effective_voice_url(self.default_voice_url)
        return decide(phone_number, config.voice_application_sid, config.voice_url, None, url, ours)

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

    async def for_number(
        self, org_id: int, phone_number: str, config: VoiceConfig
    ) -> NumberRecording:
        """What decides recording for one number, from its live voice configuration (the
        Voice routing tab's); its trunk's mode is read from Twilio (GETs only)."""
        org = await asyncio.to_thread(self.organizations.get, org_id)
        ours = await self.setting(org_id)
        trunk = None
        if config.trunk_sid:
            account, _ = await self.access.account_for(org_id)
            found = {t.sid: t for t in await account.trunks.list_trunks()}
            # A trunk the list does not show (deleted since): its mode is unknown.
            trunk = found.get(config.trunk_sid) or Trunk(config.trunk_sid, None, None, None)
        url = org.effective_voice_url(self.default_voice_url)
        return decide(
            phone_number, config.voice_application_sid, config.voice_url, trunk, url, ours
        )

    async def setting(self, org_id: int) -> bool:
        """Loquent's recording setting of the organization (local; off by default)."""
        found = await asyncio.to_thread(self.recordings.setting, org_id)
        self._settings[org_id] = found
        return found

    async def set_setting(self, org_id: int, enabled: bool) -> None:
        """Store Loquent's setting. Local only: nothing is sent to Twilio, so no plan."""
        await asyncio.to_thread(self.recordings.set_setting, org_id, enabled)
        self._settings[org_id] = enabled
