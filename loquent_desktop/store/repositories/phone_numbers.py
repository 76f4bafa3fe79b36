"""Phone numbers an organization owns, as last read from Twilio, plus the voice snapshot
Loquent takes before it changes a number's routing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, cast

from sqlalchemy import RowMapping, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ...domain.records import PhoneNumberRecord
from ...domain.voice_route import VoiceConfig
from ..column_types import utcnow
from ..errors import RecordNotFound
from ..models import PhoneNumber
from .records import record_from

SOURCES = ("purchased", "imported")
# Fields copied from Twilio's IncomingPhoneNumber (JSON names == column names).
TWILIO_FIELDS = (
    "phone_number",
    "friendly_name",
    "capabilities",
    "iso_country",
    "address_requirements",
    "voice_url",
    "voice_method",
    "voice_fallback_url",
    "voice_fallback_method",
    "voice_application_sid",
    "trunk_sid",
    "status_callback",
    "status_callback_method",
    "sms_url",
    "sms_method",
    "sms_application_sid",
    "date_created",
    "date_updated",
)
_DATE_FIELDS = ("date_created", "date_updated")
_VOICE_FIELDS = (
    "voice_url",
    "voice_method",
    "voice_fallback_url",
    "voice_fallback_method",
    "voice_application_sid",
    "trunk_sid",
    "status_callback",
    "status_callback_method",
    "date_updated",
)
# Core table: bulk statements skip ORM object overhead (10k rows per import).
_table = cast(Table, PhoneNumber.__table__)


def parse_twilio_date(value: object) -> datetime | None:
    """Twilio's 2010 API sends RFC 2822 dates, v1 APIs ISO 8601, the library datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise TypeError(f"not a date: {type(value).__name__}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _twilio_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TWILIO_FIELDS:
        value = raw.get(name)
        if name in _DATE_FIELDS:
            value = parse_twilio_date(value)
        elif name == "capabilities":
            # The API says "SMS"/"MMS" in some places and "sms"/"mms" in others.
            value = {str(k).lower(): bool(v) for k, v in (value or {}).items()}
        elif value is not None:
            value = str(value)  # the library hands some fields over as str enums
        values[name] = value
    if not values["phone_number"]:
        raise ValueError(f"number {raw.get('sid')!r} has no phone_number")
    return values


class PhoneNumberRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list_for_org(self, org_id: int) -> list[PhoneNumberRecord]:
        query = (
            select(_table)
            .where(_table.c.organization_id == org_id)
            .order_by(_table.c.phone_number, _table.c.id)
        )
        with self._sessions() as session:
            rows = session.execute(query).mappings()
            return [record_from(PhoneNumberRecord, row) for row in rows]

    def sids_for_org(self, org_id: int) -> set[str]:
        with self._sessions() as session:
            query = select(_table.c.sid).where(_table.c.organization_id == org_id)
            return set(session.scalars(query))

    def count_snapshots(self, org_id: int) -> int:
        """Numbers with a saved pre-Loquent voice configuration."""
        query = select(func.count()).where(
            _table.c.organization_id == org_id, _table.c.snapshot_taken_at.is_not(None)
        )
        with self._sessions() as session:
            return int(session.execute(query).scalar_one())

    def get_by_sid(self, org_id: int, sid: str) -> PhoneNumberRecord | None:
        query = select(_table).where(_table.c.organization_id == org_id, _table.c.sid == sid)
        with self._sessions() as session:
            row = session.execute(query).mappings().first()
            return None if row is None else record_from(PhoneNumberRecord, row)

    def upsert_many(
        self, org_id: int, numbers: Iterable[Mapping[str, Any]], source: str = "imported"
    ) -> tuple[int, int]:
        """Insert new numbers and refresh the Twilio fields of known ones (matched by SID).

        Returns (inserted, already_existed). Loquent's own columns (snapshot, source,
        routed_to_loquent) of existing rows are left alone. Executemany in one transaction:
        10k numbers take a fraction of a second on SQLite.
        """
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        by_sid: dict[str, dict[str, Any]] = {}
        for raw in numbers:
            by_sid[str(raw["sid"])] = _twilio_values(raw)  # last one wins on duplicates
        if not by_sid:
            return 0, 0
        now = utcnow()
        with self._sessions() as session:
            existing: dict[str, int] = {
                sid: pk
                for sid, pk in session.execute(
                    select(_table.c.sid, _table.c.id).where(_table.c.organization_id == org_id)
                )
            }
            new_rows = [
                {
                    **values,
                    "organization_id": org_id,
                    "sid": sid,
                    "source": source,
                    "imported_at": now,
                    "routed_to_loquent": False,
                }
                for sid, values in by_sid.items()
                if sid not in existing
            ]
            changed_rows = [
                {**values, "pk_": existing[sid]}
                for sid, values in by_sid.items()
                if sid in existing
            ]
            if new_rows:
                session.execute(insert(_table), new_rows)
            if changed_rows:
                session.connection().execute(
                    update(_table).where(_table.c.id == bindparam("pk_")), changed_rows
                )
            session.commit()
        return len(new_rows), len(changed_rows)

    def save_snapshot(self, org_id: int, sid: str, config: VoiceConfig) -> datetime | None:
        """Remember the voice configuration read from Twilio just before Loquent changes it.

        Taken once: a second configure must not overwrite the customer's original routing
        with Loquent's own URL. One conditional UPDATE, so two app instances on a shared
        database cannot both take it. Returns the snapshot's time when this call took it,
        None when one already existed.
        """
        taken_at = utcnow()
        values: dict[str, Any] = {
            f"previous_{name}": getattr(config, name) for name in _VOICE_FIELDS
        }
        values["snapshot_taken_at"] = taken_at
        with self._sessions() as session:
            current = self._require(session, org_id, sid)
            result = session.execute(
                update(_table)
                .where(_table.c.id == current["id"], _table.c.snapshot_taken_at.is_(None))
                .values(values)
            )
            session.commit()
        return taken_at if result.rowcount else None  # type: ignore[attr-defined]

    def clear_snapshot(
        self, org_id: int, sid: str, taken_at: datetime | None = None
    ) -> PhoneNumberRecord:
        """Forget the snapshot; with `taken_at`, only if it is still the one taken then."""
        values: dict[str, Any] = {f"previous_{name}": None for name in _VOICE_FIELDS}
        values["snapshot_taken_at"] = None
        if taken_at is None:
            return self._set(org_id, sid, values)
        with self._sessions() as session:
            current = self._require(session, org_id, sid)
            session.execute(
                update(_table)
                .where(_table.c.id == current["id"], _table.c.snapshot_taken_at == taken_at)
                .values(values)
            )
            session.commit()
        return self._get(org_id, sid)

    def update_voice(
        self, org_id: int, sid: str, config: VoiceConfig, routed_to_loquent: bool
    ) -> PhoneNumberRecord:
        """Store the voice configuration Twilio reported after a change."""
        values: dict[str, Any] = {name: getattr(config, name) for name in _VOICE_FIELDS}
        values["routed_to_loquent"] = routed_to_loquent
        return self._set(org_id, sid, values)

    def mark_routed(
        self, org_id: int, sid: str, live: VoiceConfig, loquent_url: str
    ) -> PhoneNumberRecord:
        """Loquent configured the number and Twilio confirmed it: keep what Twilio reports
        and the URL we wrote (restore compares against it to spot later changes)."""
        values: dict[str, Any] = {name: getattr(live, name) for name in _VOICE_FIELDS}
        routed = {name: getattr(live, name) for name in _VOICE_FIELDS if name != "date_updated"}
        values.update(
            routed_to_loquent=True,
            loquent_voice_url=loquent_url,
            routed_config=routed,
            routed_at=utcnow(),
        )
        return self._set(org_id, sid, values)

    def clear_routing(self, org_id: int, sid: str, live: VoiceConfig) -> PhoneNumberRecord:
        """The previous configuration is back on Twilio: forget the snapshot and what
        Loquent wrote, in one transaction with the configuration Twilio now reports."""
        values: dict[str, Any] = {name: getattr(live, name) for name in _VOICE_FIELDS}
        values.update({f"previous_{name}": None for name in _VOICE_FIELDS})
        values.update(
            snapshot_taken_at=None,
            routed_to_loquent=False,
            loquent_voice_url=None,
            routed_config=None,
            routed_at=None,
        )
        return self._set(org_id, sid, values)

    def remove(self, org_id: int, sids: Iterable[str]) -> int:
        """Forget numbers (released on Twilio, or no longer wanted); returns rows deleted."""
        sid_list = list(sids)
        if not sid_list:
            return 0
        with self._sessions() as session:
            result = session.execute(
                delete(_table).where(_table.c.organization_id == org_id, _table.c.sid.in_(sid_list))
            )
            session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _require(session: Session, org_id: int, sid: str) -> RowMapping:
        row = (
            session.execute(
                select(_table.c.id, _table.c.snapshot_taken_at).where(
                    _table.c.organization_id == org_id, _table.c.sid == sid
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise RecordNotFound(f"Phone number {sid} is not in this organization's list.")
        return row

    def _set(self, org_id: int, sid: str, values: dict[str, Any]) -> PhoneNumberRecord:
        with self._sessions() as session:
            current = self._require(session, org_id, sid)
            session.execute(update(_table).where(_table.c.id == current["id"]).values(values))
            session.commit()
        return self._get(org_id, sid)

    def _get(self, org_id: int, sid: str) -> PhoneNumberRecord:
        record = self.get_by_sid(org_id, sid)
        if record is None:
            raise RecordNotFound(f"Phone number {sid} is not in this organization's list.")
        return record
