"""Contacts: the external parties of an organization's synced messages and calls.

A contact's `last_contacted_at` only ever moves forward. Syncs read newest first, a resumed
run or a `since` filter re-reads old pages, and a webhook may land in between: none of that
may make an active customer look as if nobody had talked to them for a year. The UPDATE
carries the same condition as the Python check, so two writers racing on a shared
PostgreSQL database cannot move it back either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ...domain.history_records import ContactRecord
from ..column_types import utcnow
from ..models import Contact
from .history_rows import chunks, one_of

_table = cast(Table, Contact.__table__)


def touch_contacts(
    session: Session, org_id: int, latest: Mapping[str, datetime | None], now: datetime
) -> int:
    """Create missing contacts and move `last_contacted_at` forward; returns contacts
    created. The caller commits."""
    if not latest:
        return 0
    known: dict[str, tuple[int, datetime | None]] = {}
    for part in chunks(list(latest)):
        query = select(_table.c.phone_number, _table.c.id, _table.c.last_contacted_at).where(
            _table.c.organization_id == org_id, one_of(session, _table.c.phone_number, part)
        )
        known.update((phone, (pk, last)) for phone, pk, last in session.execute(query))
    new_rows = [
        {"organization_id": org_id, "phone_number": phone, "last_contacted_at": when,
         "created_at": now}
        for phone, when in latest.items()
        if phone not in known
    ]  # fmt: skip
    forward = [
        {"pk_": known[phone][0], "when_": when}
        for phone, when in latest.items()
        if phone in known and _later(when, known[phone][1])
    ]
    if new_rows:
        session.execute(insert(_table), new_rows)
    if forward:
        statement = (
            update(_table)
            .where(
                and_(
                    _table.c.id == bindparam("pk_"),
                    or_(
                        _table.c.last_contacted_at.is_(None),
                        _table.c.last_contacted_at < bindparam("when_"),
                    ),
                )
            )
            .values(last_contacted_at=bindparam("when_"))
        )
        session.connection().execute(statement, forward)
    return len(new_rows)


def forget_contacts(session: Session, org_id: int, numbers: Iterable[str]) -> None:
    """Remove contacts that turned out to be the organization's own numbers (a number seen
    on its side of a synced record). The caller commits."""
    for part in chunks(sorted(numbers)):
        session.execute(
            delete(_table).where(
                _table.c.organization_id == org_id,
                one_of(session, _table.c.phone_number, part),
            )
        )


def _later(when: datetime | None, current: datetime | None) -> bool:
    return when is not None and (current is None or when > current)


class ContactRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def touch(self, org_id: int, latest: Mapping[str, datetime | None]) -> int:
        with self._sessions() as session:
            created = touch_contacts(session, org_id, latest, utcnow())
            session.commit()
            return created

    def list_for_org(self, org_id: int) -> list[ContactRecord]:
        query = (
            select(_table)
            .where(_table.c.organization_id == org_id)
            .order_by(_table.c.last_contacted_at.desc().nulls_last(), _table.c.phone_number)
        )
        with self._sessions() as session:
            return [ContactRecord(*row) for row in session.execute(query)]

    def get(self, org_id: int, phone_number: str) -> ContactRecord | None:
        query = select(_table).where(
            _table.c.organization_id == org_id, _table.c.phone_number == phone_number
        )
        with self._sessions() as session:
            row = session.execute(query).first()
            return None if row is None else ContactRecord(*row)
