"""Leases: at most one holder per named piece of work, across processes and computers.

Taking a lease is one INSERT … ON CONFLICT DO UPDATE whose update only applies when the
current lease has lapsed (or is already ours), so two processes racing for it on SQLite or
PostgreSQL cannot both win: the database decides, then we read back who holds it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ...domain.records import LeaseRecord
from ..column_types import utcnow
from ..models import Lease
from .records import record_from


class LeaseTaken(Exception):
    """Someone else holds the lease (`current`)."""

    def __init__(self, current: LeaseRecord) -> None:
        super().__init__(current.name)
        self.current = current


class LeaseRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def acquire(self, name: str, holder: str, host: str, pid: int, ttl: timedelta) -> LeaseRecord:
        """Take the lease or raise LeaseTaken. A lapsed lease, or one held by a process of
        this computer that no longer exists (it crashed), is taken over."""
        with self._sessions.begin() as session:
            now = utcnow()
            self._upsert(session, name, holder, host, pid, now, now + ttl)
            current = session.get(Lease, name, populate_existing=True)
            assert current is not None  # the upsert made or kept a row
            record = record_from(LeaseRecord, current)
        if record.holder == holder:
            return record
        crashed = record.host == host and not process_alive(record.pid)
        if crashed and self._expire(name, record.holder):
            return self.acquire(name, holder, host, pid, ttl)
        raise LeaseTaken(record)

    def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Push the expiry on; False when the lease is no longer ours."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.holder == holder)
                .values(expires_at=utcnow() + ttl)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release(self, name: str, holder: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))

    def get(self, name: str) -> LeaseRecord | None:
        with self._sessions() as session:
            row = session.get(Lease, name)
            return None if row is None else record_from(LeaseRecord, row)

    @staticmethod
    def _upsert(
        session: Session,
        name: str,
        holder: str,
        host: str,
        pid: int,
        now: datetime,
        expires: datetime,
    ) -> None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "name": name,
            "holder": holder,
            "host": host,
            "pid": pid,
            "acquired_at": now,
            "expires_at": expires,
        }
        statement = insert(Lease).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[Lease.name],
            set_={k: statement.excluded[k] for k in values if k != "name"},
            where=or_(Lease.expires_at < now, Lease.holder == holder),
        )
        session.execute(statement)

    def _expire(self, name: str, stale: str) -> bool:
        """End a lease whose holder is gone; False if it changed hands meanwhile."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.holder == stale)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


def process_alive(pid: int) -> bool:
    """Whether a process of this computer still runs (a zombie counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or we cannot tell: assume it runs
    return True
