"""SQLAlchemy models: the schema of the local (or shared PostgreSQL) database.

Alembic migrations in `migrations/versions` must produce exactly this schema; a test
compares them. Change a model -> add a migration.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .column_types import UTCDateTime, utcnow

# Deterministic constraint names: SQLite batch migrations and PostgreSQL ALTERs need names
# to find constraints again, and both backends then get the same ones.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SID: String = String(34)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _new_keychain_id() -> str:
    return uuid.uuid4().hex


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Names this organization's keychain entry. Not the integer id: ids are reused after a
    # delete, or differ in another (team) database, and must never pick up someone else's
    # credentials from the keychain.
    keychain_id: Mapped[str] = mapped_column(String(32), unique=True, default=_new_keychain_id)
    byo_twilio: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The Account SID is not a secret, but the UI shows it masked.
    twilio_account_sid: Mapped[str | None] = mapped_column(SID)
    credential_kind: Mapped[str | None] = mapped_column(String(20))  # auth_token / api_key
    api_key_sid: Mapped[str | None] = mapped_column(SID)
    account_friendly_name: Mapped[str | None] = mapped_column(String(300))
    account_status: Mapped[str | None] = mapped_column(String(20))
    account_type: Mapped[str | None] = mapped_column(String(20))  # Trial / Full
    credentials_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None -> the default voice URL from settings.
    voice_url: Mapped[str | None] = mapped_column(Text)
    # Where Twilio Event Streams deliver this organization's events; None -> the default.
    events_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PhoneNumber(Base):
    __tablename__ = "phone_number"
    __table_args__ = (UniqueConstraint("organization_id", "sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(SID)
    phone_number: Mapped[str] = mapped_column(String(20))  # E.164
    friendly_name: Mapped[str | None] = mapped_column(String(300))
    capabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # voice/sms/mms/fax
    iso_country: Mapped[str | None] = mapped_column(String(2))
    address_requirements: Mapped[str | None] = mapped_column(String(20))
    # Twilio's current configuration, as last read.
    voice_url: Mapped[str | None] = mapped_column(Text)
    voice_method: Mapped[str | None] = mapped_column(String(10))
    voice_fallback_url: Mapped[str | None] = mapped_column(Text)
    voice_fallback_method: Mapped[str | None] = mapped_column(String(10))
    voice_application_sid: Mapped[str | None] = mapped_column(SID)
    trunk_sid: Mapped[str | None] = mapped_column(SID)
    status_callback: Mapped[str | None] = mapped_column(Text)
    status_callback_method: Mapped[str | None] = mapped_column(String(10))
    sms_url: Mapped[str | None] = mapped_column(Text)
    sms_method: Mapped[str | None] = mapped_column(String(10))
    sms_application_sid: Mapped[str | None] = mapped_column(SID)
    date_created: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_updated: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Snapshot of the voice configuration before Loquent changed it, for "restore". All of
    # these fields matter: voice_url is ignored while an application or trunk is set.
    previous_voice_url: Mapped[str | None] = mapped_column(Text)
    previous_voice_method: Mapped[str | None] = mapped_column(String(10))
    previous_voice_fallback_url: Mapped[str | None] = mapped_column(Text)
    previous_voice_fallback_method: Mapped[str | None] = mapped_column(String(10))
    previous_voice_application_sid: Mapped[str | None] = mapped_column(SID)
    previous_trunk_sid: Mapped[str | None] = mapped_column(SID)
    previous_status_callback: Mapped[str | None] = mapped_column(Text)
    previous_status_callback_method: Mapped[str | None] = mapped_column(String(10))
    previous_date_updated: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snapshot_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What Loquent wrote when it last routed the number (also set when Loquent bought it):
    # "restore" compares the live configuration with it to detect changes made since in the
    # Console or by another platform (drift), and Loquent's own URL is never mistaken for
    # a customer's previous routing.
    loquent_voice_url: Mapped[str | None] = mapped_column(Text)
    # The whole routing Twilio confirmed right after Loquent's change (field -> value).
    routed_config: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20))  # purchased / imported
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    routed_to_loquent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class JournalEntry(Base):
    __tablename__ = "journal_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    # Copied so the journal still names the organization after it is deleted.
    organization_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    # None while running (or if the app died mid-change: shown as "interrupted").
    outcome: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    # What execution produced that the plan could not know (e.g. the SID of a bought number).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Message(Base):
    """A message copied from Twilio's Messages list (or received by a webhook later)."""

    __tablename__ = "message"
    __table_args__ = (UniqueConstraint("organization_id", "sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(SID)  # SM… / MM…
    account_sid: Mapped[str | None] = mapped_column(SID)
    from_number: Mapped[str | None] = mapped_column(String(255))  # E.164, or a channel address
    to_number: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))
    direction: Mapped[str | None] = mapped_column(String(20))
    num_segments: Mapped[int | None] = mapped_column(Integer)
    num_media: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[str | None] = mapped_column(String(20))  # Twilio sends a decimal string
    price_unit: Mapped[str | None] = mapped_column(String(8))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    messaging_service_sid: Mapped[str | None] = mapped_column(SID)
    date_sent: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_created: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_updated: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20))  # import / webhook
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Call(Base):
    """A call copied from Twilio's Calls list."""

    __tablename__ = "call"
    __table_args__ = (UniqueConstraint("organization_id", "sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(SID)  # CA…
    account_sid: Mapped[str | None] = mapped_column(SID)
    parent_call_sid: Mapped[str | None] = mapped_column(SID)
    from_number: Mapped[str | None] = mapped_column(String(255))
    to_number: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(20))
    direction: Mapped[str | None] = mapped_column(String(20))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds
    price: Mapped[str | None] = mapped_column(String(20))
    price_unit: Mapped[str | None] = mapped_column(String(8))
    answered_by: Mapped[str | None] = mapped_column(String(20))
    forwarded_from: Mapped[str | None] = mapped_column(String(255))
    caller_name: Mapped[str | None] = mapped_column(String(300))
    date_created: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_updated: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20))  # import / webhook
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _browse_index(table: Any, time: Any) -> Index:
    """The history browser's index (migration 0007): newest-first keyset pages in index
    order, and counts filtered by direction and status from the index alone. The text
    search indexes (FTS5 on SQLite, GIN on PostgreSQL) are not models: see
    `SEARCH_OBJECTS`."""
    name = table.__tablename__
    return Index(
        f"ix_{name}_browse",
        table.organization_id,
        func.coalesce(time, table.date_created, table.synced_at),
        table.id,
        table.direction,
        table.status,
    )


_browse_index(Message, Message.date_sent)
_browse_index(Call, Call.start_time)


def is_search_object(name: str | None) -> bool:
    """The text search objects migration 0007 makes outside the models (SQLite's FTS5
    tables with their shadow tables, PostgreSQL's GIN expression indexes): a schema
    comparison leaves them out."""
    return bool(name) and name.startswith(SEARCH_OBJECTS)  # type: ignore[union-attr]


SEARCH_OBJECTS = ("message_search", "call_search", "ix_message_search", "ix_call_search",
                  "search_document")  # PostgreSQL's stored words (0009)  # fmt: skip


class HistoryCount(Base):
    """How many messages or calls an organization has per UTC day, direction and status
    (migration 0009): the browser's exact counts without reading a million index entries.
    Kept by `history_counts.track_page` in the sync's write, one statement a page."""

    __tablename__ = "history_count"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # the table: message / call
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # of the row's browse time, UTC
    direction: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" for none
    status: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" for none
    total: Mapped[int] = mapped_column(Integer)


class Contact(Base):
    """An external party seen in synced messages or calls."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("organization_id", "phone_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    phone_number: Mapped[str] = mapped_column(String(255))
    # Only ever moved forward: an older message synced later must not make it look stale.
    last_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SyncCheckpoint(Base):
    """Where a history sync stands, so a cancelled or killed run resumes instead of
    starting over, and the next incremental run knows where the last one ended."""

    __tablename__ = "sync_checkpoint"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # messages / calls
    scope: Mapped[str] = mapped_column(String(200))  # "all" or a number's E.164
    state: Mapped[str] = mapped_column(String(20))  # running / interrupted / completed
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which query of the run is under way and the page to fetch next (Twilio's own
    # next_page_uri, never a token we build).
    step: Mapped[int] = mapped_column(Integer, default=0)
    next_page_uri: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The newest date seen by the last completed run: the next run starts a day before it.
    synced_through: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Whose history the run reads: the Twilio account and the mode (BYO or Shared) it began
    # with. A run begun for another account or mode (reconnected elsewhere, moved between BYO
    # and Shared) is never resumed, and its `synced_through` is not a starting point.
    account_sid: Mapped[str | None] = mapped_column(SID)
    byo_twilio: Mapped[bool | None] = mapped_column(Boolean)


class SyncRange(Base):
    """One date range of a history sync's query, read alongside the others: where it
    stands, so a resumed run carries on with each range from its own next page. Part 0
    follows the query's own pages down to `after`; the others filter by date."""

    __tablename__ = "sync_range"
    __table_args__ = (UniqueConstraint("checkpoint_id", "step", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("sync_checkpoint.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)  # which query of the checkpoint's scope
    part: Mapped[int] = mapped_column(Integer)
    after: Mapped[datetime | None] = mapped_column(UTCDateTime())  # from (a UTC midnight)
    before: Mapped[datetime | None] = mapped_column(UTCDateTime())  # up to, exclusive
    next_page_uri: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))  # pending / completed


class EventStream(Base):
    """An Event Streams set-up Loquent made in the customer's account (sink + subscription)."""

    __tablename__ = "event_stream"
    __table_args__ = (UniqueConstraint("organization_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # sms / calls
    sink_sid: Mapped[str | None] = mapped_column(SID)  # DG…
    subscription_sid: Mapped[str | None] = mapped_column(SID)  # DF…
    destination: Mapped[str | None] = mapped_column(Text)
    # Whether Loquent created the sink (True) or reused one that was already there.
    sink_created: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    types: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Lease(Base):
    """Who is running a long piece of work (a history sync, a bulk voice change) for an
    organization, across processes and computers sharing the database.

    A holder renews `expires_at` while it works; one that crashed simply stops renewing, so
    its lease lapses by itself and nobody has to clean up after it."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. "sync:messages:7"
    holder: Mapped[str] = mapped_column(String(200))  # unique per running process
    host: Mapped[str] = mapped_column(String(200))  # the computer, for "running on X"
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LastKnownState(Base):
    """What Loquent last read from Twilio about an organization's numbers, kept so the
    Numbers and Voice routing tabs can still show it (marked with its age) when Twilio
    cannot be reached.

    One row per organization and `kind` of read: "owned" (the Numbers tab's list of owned
    numbers) or "voice" (Voice routing's voice configurations). `data` is the whole read, one
    JSON list: written and read in one piece, 10,000 numbers cost a fraction of a second
    where a row per number cost seconds. `account_sid` is the account it was read from: data
    of another account (the organization reconnected elsewhere) is never shown as this one's."""

    __tablename__ = "last_known_state"
    __table_args__ = (UniqueConstraint("organization_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # owned / voice
    account_sid: Mapped[str] = mapped_column(SID)
    data: Mapped[list[Any]] = mapped_column(JSON)  # each number's fields (Twilio's names)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The recording tables live in their own module; imported here so that wherever the models
# are (migrations, `Base.metadata`), they are too.
from .recording_models import Recording, RecordingSetting  # noqa: E402

__all__ = ["Recording", "RecordingSetting"]
