"""Elastic SIP Trunking (trunking.twilio.com/v1): the account's trunks, the numbers on each,
and each trunk's recording settings.

A number joins or leaves a trunk only here, through the trunk's PhoneNumbers resource: that
is Twilio's documented way, and the IncomingPhoneNumbers update cannot clear `TrunkSid`
(its spec pattern forbids an empty one). Every method raises only `TwilioApiError`
(and `InvalidInput` for a recording value Twilio does not know, before anything is sent).
"""

from __future__ import annotations

from typing import Any

from twilio.rest import Client

from ..domain.errors import InvalidInput
from ..domain.trunks import (
    RECORDING_MODES,
    RECORDING_TRIMS,
    Trunk,
    TrunkNumber,
    TrunkRecording,
)
from .errors import translate_errors
from .paging import pages


class TrunksGateway:
    def __init__(self, client: Client) -> None:
        self._api = client.trunking.v1.trunks

    async def list_trunks(self) -> list[Trunk]:
        """Every trunk of the account (all pages)."""
        return [trunk_from(t) async for page in pages(self._api) for t in page]

    async def list_numbers(self, trunk_sid: str) -> list[TrunkNumber]:
        """The numbers attached to `trunk_sid` (all pages)."""
        listed = self._api(trunk_sid).phone_numbers
        return [number_from(n) async for page in pages(listed) for n in page]

    async def attach_number(self, trunk_sid: str, number_sid: str) -> TrunkNumber:
        """Put the number on the trunk (POST PhoneNumberSid). Twilio removes the number's
        TwiML app: a trunk and an app exclude each other."""
        async with translate_errors():
            created = await self._api(trunk_sid).phone_numbers.create_async(
                phone_number_sid=number_sid
            )
        return number_from(created)

    async def detach_number(self, trunk_sid: str, number_sid: str) -> None:
        """Take the number off the trunk (DELETE); its other voice fields stay as they are."""
        async with translate_errors():
            await self._api(trunk_sid).phone_numbers(number_sid).delete_async()

    async def fetch_recording(self, trunk_sid: str) -> TrunkRecording:
        async with translate_errors():
            found = await self._api(trunk_sid).recordings().fetch_async()
        return TrunkRecording(mode=_text(found.mode), trim=_text(found.trim))

    async def update_recording(
        self, trunk_sid: str, mode: str | None = None, trim: str | None = None
    ) -> TrunkRecording:
        """Change the trunk's recording `mode` and/or `trim` (None: left as it is). A value
        Twilio does not know is refused here (InvalidInput) and never sent."""
        if mode is not None and mode not in RECORDING_MODES:
            raise InvalidInput("mode", f"Unknown recording mode {mode!r}.")
        if trim is not None and trim not in RECORDING_TRIMS:
            raise InvalidInput("trim", f"Unknown recording trim {trim!r}.")
        params = {name: value for name, value in (("mode", mode), ("trim", trim)) if value}
        async with translate_errors():
            updated = await self._api(trunk_sid).recordings().update_async(**params)
        return TrunkRecording(mode=_text(updated.mode), trim=_text(updated.trim))


def trunk_from(inst: Any) -> Trunk:
    recording = inst.recording if isinstance(inst.recording, dict) else None
    return Trunk(
        sid=str(inst.sid),
        friendly_name=inst.friendly_name,
        domain_name=inst.domain_name,
        recording=None
        if recording is None
        else TrunkRecording(_text(recording.get("mode")), _text(recording.get("trim"))),
        date_updated=inst.date_updated,
    )


def number_from(inst: Any) -> TrunkNumber:
    return TrunkNumber(
        sid=str(inst.sid),
        phone_number=str(inst.phone_number or ""),
        friendly_name=inst.friendly_name,
        trunk_sid=inst.trunk_sid or None,
    )


def _text(value: Any) -> str:
    # The library hands enums over as str subclasses or plain strings; keep plain ones.
    return "" if value is None else str(value)
