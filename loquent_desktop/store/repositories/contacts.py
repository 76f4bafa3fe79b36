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
from typing import Any, cast

from sqlalchemy import Table, delete, distinct, func, literal_column, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ...domain.contacts import INBOUND_DIRECTIONS, OUTBOUND_PREFIX, TRUNK_OUTBOUND
from ...domain.history_records import ContactRecord
from ..column_types import utcnow
from ..models import Call, Contact, Message
from .history_rows import chunks, one_of
from .history_sql import insert_rows, native, run, run_many

_table = cast(Table, Contact.__table__)
_messages = cast(Table, Message.__table__)
_calls = cast(Table, Call.__table__)
# (their number, our numbers, records, first, last) for one kind of history
ActivityRow = tuple[str, tuple[str, ...], int, datetime | None, datetime | None]


def touch_contacts(
    session: Session, org_id: int, latest: Mapping[str, datetime | None], now: datetime
) -> int:
    """Create missing contacts and move `last_contacted_at` forward; returns contacts
    created. The caller commits. At the driver level, dates in their stored form (see
    `history_sql`): this runs with every synced page."""
    if not latest:
        return 0
    n = native(session)
    when = n.when
    wanted = {phone: when(moment) for phone, moment in latest.items()}
    known: dict[str, tuple[int, Any]] = {}
    for part in chunks(list(wanted)):
        where, params = n.among("phone_number", part, "text")
        rows = run(
            session,
            f"SELECT phone_number, id, last_contacted_at FROM contact "
            f"WHERE organization_id = {n.mark} AND {where}",
            [org_id, *params],
        )
        known.update((phone, (pk, last)) for phone, pk, last in rows)
    stamp = when(now)
    new_rows = [
        (org_id, phone, moment, stamp) for phone, moment in wanted.items() if phone not in known
    ]
    forward = [
        (moment, known[phone][0], moment)
        for phone, moment in wanted.items()
        if phone in known and _later(moment, known[phone][1])
    ]
    insert_rows(
        session,
        "INSERT INTO contact (organization_id, phone_number, last_contacted_at, created_at)",
        4,
        new_rows,
        ("bigint", "text", "timestamptz", "timestamptz"),
    )
    # The same condition as `_later`, in SQL: a racing writer cannot move it back either.
    run_many(
        session,
        f"UPDATE contact SET last_contacted_at = {n.mark} WHERE id = {n.mark} AND "
        f"(last_contacted_at IS NULL OR last_contacted_at < {n.mark})",
        forward,
    )
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


def _later(when: Any, current: Any) -> bool:
    """Whether `when` is later than `current`, both in stored form (SQLite's text sorts
    like the dates it holds)."""
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

    def activity(self, org_id: int, kind: str) -> list[ActivityRow]:
        """Per contact and side: how many synced messages or calls, first and last, and
        the organization's numbers on the other side (a contact both wrote and was written
        to comes back twice; the caller adds them up).

        GROUP BYs in the database, one per side, on a plain column: a million messages never
        cross into Python, and an index on (organization_id, from_number, …) or
        (…, to_number, …) can feed each group in order. The sides follow
        `domain.contacts.parties` (inbound: the contact is "from"; outbound: "to"; <Dial>
        child legs and unknown directions name nobody)."""
        table = _messages if kind == "messages" else _calls
        when_column = table.c.date_sent if kind == "messages" else table.c.start_time
        when = func.coalesce(when_column, table.c.date_created)
        inbound = table.c.direction.in_(INBOUND_DIRECTIONS)
        outbound = or_(
            table.c.direction == TRUNK_OUTBOUND, table.c.direction.like(f"{OUTBOUND_PREFIX}%")
        )
        sides = ((inbound, table.c.from_number, table.c.to_number),
                 (outbound, table.c.to_number, table.c.from_number))  # fmt: skip
        rows: list[ActivityRow] = []
        with self._sessions() as session:
            postgres = session.get_bind().dialect.name == "postgresql"
            for side, theirs, ours in sides:
                # E.164 numbers hold no comma: safe to join on one.
                joined = (
                    func.string_agg(distinct(ours), literal_column("','"))
                    if postgres
                    else func.group_concat(distinct(ours))
                )
                conditions = [table.c.organization_id == org_id, side]
                if kind == "calls":
                    conditions.append(table.c.parent_call_sid.is_(None))
                query = (
                    select(theirs, joined, func.count(), func.min(when), func.max(when))
                    .where(*conditions)
                    .group_by(theirs)
                )
                rows += [
                    (phone, tuple(numbers.split(",")) if numbers else (), int(count),
                     first, last)
                    for phone, numbers, count, first, last in session.execute(query)
                    if phone
                ]  # fmt: skip
        return rows
