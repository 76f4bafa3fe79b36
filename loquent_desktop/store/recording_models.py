"""The tables of call recordings (migration 0005): copies of Twilio's Recordings list and
Loquent's own recording setting. `models` imports them, so `Base.metadata` holds them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .column_types import UTCDateTime, utcnow
from .models import SID, Base


class Recording(Base):
    """A call recording copied from Twilio's Recordings list (its audio is downloaded on
    demand into the app's data folder, never stored here)."""

    __tablename__ = "recording"
    __table_args__ = (UniqueConstraint("organization_id", "sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(SID)  # RE…
    account_sid: Mapped[str | None] = mapped_column(SID)
    call_sid: Mapped[str | None] = mapped_column(SID, index=True)
    conference_sid: Mapped[str | None] = mapped_column(SID)
    status: Mapped[str | None] = mapped_column(String(20))
    channels: Mapped[int | None] = mapped_column(Integer)
    recording_source: Mapped[str | None] = mapped_column(String(40))  # Twilio's `source`
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds
    price: Mapped[str | None] = mapped_column(String(20))
    price_unit: Mapped[str | None] = mapped_column(String(8))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    date_created: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_updated: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_code: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # import / webhook
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecordingSetting(Base):
    """Loquent's own recording setting of an organization: whether calls answered by
    Loquent's endpoint are recorded. Local only; never sent to Twilio. No row: off."""

    __tablename__ = "recording_setting"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
