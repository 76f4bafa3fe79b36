"""SIP trunks as the app sees them: a trunk, its recording settings, and a number on it.

Elastic SIP Trunking routes a number's calls to a PBX or carrier; while a number is on a
trunk, Twilio ignores its Voice URL (GUIDE §3). Recording of trunk calls is a setting of the
trunk (`Mode`, `Trim`), not of the TwiML a URL returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Twilio's values for a trunk's recording (trunking v1 `recording_enum_recording_mode/trim`).
RECORDING_MODES = (
    "do-not-record",
    "record-from-ringing",
    "record-from-answer",
    "record-from-ringing-dual",
    "record-from-answer-dual",
)
RECORDING_TRIMS = ("trim-silence", "do-not-trim")


@dataclass(frozen=True)
class TrunkRecording:
    mode: str  # one of RECORDING_MODES
    trim: str  # one of RECORDING_TRIMS

    @property
    def records(self) -> bool:
        return self.mode != "do-not-record"


@dataclass(frozen=True)
class Trunk:
    sid: str  # TK…
    friendly_name: str | None
    domain_name: str | None
    recording: TrunkRecording | None
    date_updated: datetime | None = None


@dataclass(frozen=True)
class TrunkNumber:
    """A number attached to a trunk, as the trunk's PhoneNumbers list reports it."""

    sid: str  # PN…
    phone_number: str
    friendly_name: str | None
    trunk_sid: str | None
