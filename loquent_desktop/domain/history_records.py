"""Frozen records for synced history: messages, calls, contacts and sync checkpoints.

Field order matches the tables' column order, so a row selected with `select(table)` builds
a record positionally (`cls(*row)`), which is what keeps loading 50,000 rows cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    organization_id: int
    sid: str
    account_sid: str | None
    from_number: str | None
    to_number: str | None
    body: str | None
    status: str | None
    direction: str | None
    num_segments: int | None
    num_media: int | None
    price: str | None
    price_unit: str | None
    error_code: int | None
    error_message: str | None
    messaging_service_sid: str | None
    date_sent: datetime | None
    date_created: datetime | None
    date_updated: datetime | None
    source: str
    synced_at: datetime

    @property
    def when(self) -> datetime | None:
        return self.date_sent or self.date_created


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: int
    organization_id: int
    sid: str
    account_sid: str | None
    parent_call_sid: str | None
    from_number: str | None
    to_number: str | None
    status: str | None
    direction: str | None
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None
    price: str | None
    price_unit: str | None
    answered_by: str | None
    forwarded_from: str | None
    caller_name: str | None
    date_created: datetime | None
    date_updated: datetime | None
    source: str
    synced_at: datetime

    @property
    def when(self) -> datetime | None:
        return self.start_time or self.date_created


@dataclass(frozen=True, slots=True)
class ContactRecord:
    id: int
    organization_id: int
    phone_number: str
    last_contacted_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class SyncOwner:
    """Whose history a sync run reads: the Twilio account and whether it is the
    organization's own (BYO) or Loquent's shared one. A run is only ever continued, and its
    `synced_through` only ever used, for the same owner."""

    account_sid: str
    byo: bool


@dataclass(frozen=True)
class SyncCheckpointRecord:
    id: int
    organization_id: int
    kind: str
    scope: str
    state: str
    since: datetime | None
    step: int
    next_page_uri: str | None
    counts: dict[str, Any] | None
    synced_through: datetime | None
    started_at: datetime | None
    updated_at: datetime
    account_sid: str | None = None
    byo_twilio: bool | None = None

    @property
    def owner(self) -> SyncOwner | None:
        if self.account_sid is None or self.byo_twilio is None:
            return None
        return SyncOwner(self.account_sid, bool(self.byo_twilio))

    def count(self, name: str) -> int:
        return int((self.counts or {}).get(name, 0))


@dataclass(frozen=True)
class UpsertCounts:
    """What one upsert did. `repeated`: records this run had already counted (the same
    message met again by a To= and a From= query, or a page fetched again after a crash)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    repeated: int = 0

    @property
    def skipped(self) -> int:
        """Read but not written: already up to date, or already counted by this run."""
        return self.unchanged + self.repeated

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.new + other.new,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.repeated + other.repeated,
        )

    @property
    def seen(self) -> int:
        return self.new + self.updated + self.unchanged + self.repeated

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "repeated": self.repeated,
        }

    @classmethod
    def of(cls, counts: dict[str, Any] | None) -> UpsertCounts:
        counts = counts or {}
        return cls(*(int(counts.get(k, 0)) for k in ("new", "updated", "unchanged", "repeated")))


@dataclass(frozen=True)
class PageCheckpoint:
    """Where a run stands once a page is committed; saved in the same transaction as the
    page's rows, so a crash can never separate the two."""

    checkpoint_id: int
    step: int
    next_page_uri: str | None
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryQuery:
    """What the browser asks the database for: filters, text search and order. Pages come
    `limit` rows at a time (keyset paging: see `HistoryCursor`)."""

    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    # "inbound" (also trunking-originating) / "outbound" (every outbound-* kind, and
    # trunking-terminating): see `contacts.side_of`.
    direction: str | None = None
    status: str | None = None
    # Whole words (a trailing * matches a word's beginning) and numbers (however typed:
    # "(415) 555-0100"), searched over the whole history by the database's text index.
    text: str = ""
    oldest_first: bool = False
    limit: int = 200


@dataclass(frozen=True)
class HistoryCursor:
    """Where a page ended: the next page starts after this row (its time, then its id)."""

    when: datetime
    id: int


@dataclass(frozen=True)
class HistoryPage:
    records: list[Any]
    truncated: bool  # more rows match after these: fetch the next page from `next`
    next: HistoryCursor | None = None
