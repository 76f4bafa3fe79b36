"""Event streams Loquent set up in a customer's account: one row per organization and kind
(sms / calls) with the sink and subscription SIDs, so status and removal find them again.

Several organizations may be connected to the same Twilio account, so what the others
recorded (`claims_besides`) is what one organization must never adopt or delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..column_types import utcnow
from ..models import EventStream, Organization
from .records import record_from


@dataclass(frozen=True)
class EventStreamRecord:
    id: int
    organization_id: int
    kind: str
    sink_sid: str | None
    subscription_sid: str | None
    destination: str | None
    sink_created: bool  # Loquent created the sink (rather than reusing one)
    types: list[Any] | None
    created_at: datetime
    updated_at: datetime


class EventStreamRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def get(self, org_id: int, kind: str) -> EventStreamRecord | None:
        with self._sessions() as session:
            row = self._row(session, org_id, kind)
            return None if row is None else record_from(EventStreamRecord, row)

    def list_for(self, org_id: int) -> list[EventStreamRecord]:
        query = select(EventStream).where(EventStream.organization_id == org_id)
        with self._sessions() as session:
            return [record_from(EventStreamRecord, r) for r in session.scalars(query)]

    def claims_besides(self, org_id: int) -> list[tuple[str, EventStreamRecord]]:
        """Every other organization's records, with that organization's name, oldest first."""
        query = (
            select(Organization.name, EventStream)
            .join(Organization, Organization.id == EventStream.organization_id)
            .where(EventStream.organization_id != org_id)
            .order_by(EventStream.created_at, EventStream.id)
        )
        with self._sessions() as session:
            return [(name, record_from(EventStreamRecord, r)) for name, r in session.execute(query)]

    def save(
        self,
        org_id: int,
        kind: str,
        *,
        sink_sid: str | None,
        subscription_sid: str | None,
        destination: str | None,
        sink_created: bool,
        types: list[str],
    ) -> EventStreamRecord:
        """Insert or replace the organization's record for `kind`."""
        values: dict[str, Any] = {
            "sink_sid": sink_sid,
            "subscription_sid": subscription_sid,
            "destination": destination,
            "sink_created": sink_created,
            "types": list(types),
        }
        for attempt in range(2):
            with self._sessions() as session:
                row = self._row(session, org_id, kind)
                if row is None:
                    row = EventStream(organization_id=org_id, kind=kind, **values)
                    session.add(row)
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.updated_at = utcnow()
                try:
                    session.commit()
                except IntegrityError:
                    # Another writer of a shared database inserted it first: update theirs.
                    session.rollback()
                    if attempt:
                        raise
                    continue
                return record_from(EventStreamRecord, row)
        raise AssertionError("unreachable")

    def remove(self, org_id: int, kind: str) -> None:
        with self._sessions() as session:
            session.execute(
                delete(EventStream).where(
                    EventStream.organization_id == org_id, EventStream.kind == kind
                )
            )
            session.commit()

    @staticmethod
    def _row(session: Session, org_id: int, kind: str) -> EventStream | None:
        query = select(EventStream).where(
            EventStream.organization_id == org_id, EventStream.kind == kind
        )
        return session.scalars(query).first()
