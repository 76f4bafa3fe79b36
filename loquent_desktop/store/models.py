"""SQLAlchemy models: the schema of the local (or shared PostgreSQL) database.

Alembic migrations in `migrations/versions` must produce exactly this schema; a test
compares them. Change a model -> add a migration.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
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

SID = String(34)


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
    source: Mapped[str] = mapped_column(String(20))  # purchased / imported
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    routed_to_loquent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEntry(Base):
    __tablename__ = "audit_entry"
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
