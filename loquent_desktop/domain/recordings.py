"""Call recordings as the app sees them: one synced recording, the row the Recordings tab
shows (the recording joined with its call, for the number and the contact side), and the
rules for naming a downloaded file.

Twilio keeps a recording's audio at `…/Recordings/{RE}.wav|.mp3`; `source` says what made
it (`RecordVerb`, `DialVerb`, `Trunking`, `StartCallRecordingAPI`, …, see GUIDE §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SOURCES = (
    "DialVerb", "Conference", "OutboundAPI", "Trunking", "RecordVerb",
    "StartCallRecordingAPI", "StartConferenceRecordingAPI",
)  # fmt: skip
FORMATS = ("wav", "mp3")


@dataclass(frozen=True, slots=True)
class RecordingRecord:
    """A row of table `recording`, fields in column order."""

    id: int
    organization_id: int
    sid: str
    account_sid: str | None
    call_sid: str | None
    conference_sid: str | None
    status: str | None
    channels: int | None
    recording_source: str | None  # Twilio's `source`
    duration: int | None  # seconds
    price: str | None
    price_unit: str | None
    start_time: datetime | None
    date_created: datetime | None
    date_updated: datetime | None
    error_code: int | None
    source: str  # import / webhook (how Loquent got it)
    synced_at: datetime

    @property
    def when(self) -> datetime | None:
        return self.start_time or self.date_created


@dataclass(frozen=True, slots=True)
class RecordingRow:
    """What the Recordings tab shows: the recording, and from its call (when synced) the
    organization's number, the other party and the direction."""

    recording: RecordingRecord
    number: str | None
    contact: str | None
    direction: str | None

    @property
    def sid(self) -> str:
        return self.recording.sid


@dataclass(frozen=True)
class RecordingQuery:
    """Filters of the Recordings tab (text search happens in the table)."""

    number: str | None = None
    source: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    limit: int = 50_000


def file_name(when: datetime | None, sid: str, fmt: str) -> str:
    """`2026-11-24_101502_RE….wav`: names sort by date, and the SID keeps them unique."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    stamp = when.strftime("%Y-%m-%d_%H%M%S") if when is not None else "undated"
    return f"{stamp}_{sid}.{fmt}"
