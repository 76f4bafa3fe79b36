"""The journal: every plan that was confirmed or cancelled, and how it ended."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ...domain.records import JournalRecord
from ..column_types import utcnow
from ..errors import RecordNotFound
from ..models import JournalEntry
from .records import record_from

OUTCOMES = ("succeeded", "failed", "cancelled", "partial", "unknown")


class JournalRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def start(
        self,
        plan: dict[str, Any],
        org_id: int | None,
        organization_name: str,
        action: str,
        title: str,
    ) -> int:
        """Write the entry before executing, so a crash mid-change still leaves a trace."""
        with self._sessions() as session:
            entry = JournalEntry(
                organization_id=org_id,
                organization_name=organization_name,
                action=action,
                title=title,
                plan=plan,
            )
            session.add(entry)
            session.commit()
            return entry.id

    def finish(
        self,
        entry_id: int,
        outcome: str,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> JournalRecord:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
        with self._sessions() as session:
            entry = session.get(JournalEntry, entry_id)
            if entry is None:
                raise RecordNotFound(f"Journal entry #{entry_id} no longer exists.")
            entry.outcome = outcome
            entry.error = error
            entry.result = result
            entry.finished_at = utcnow()
            session.commit()
            return record_from(JournalRecord, entry)

    def list_actions(
        self, org_id: int, actions: tuple[str, ...], limit: int = 500
    ) -> list[JournalRecord]:
        """One organization's entries of the given kinds, newest first."""
        query = (
            select(JournalEntry)
            .where(JournalEntry.organization_id == org_id, JournalEntry.action.in_(actions))
            .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [record_from(JournalRecord, e) for e in session.scalars(query)]

    def list(self, limit: int = 200, org_id: int | None = None) -> list[JournalRecord]:
        """Newest first."""
        query = select(JournalEntry).order_by(
            JournalEntry.created_at.desc(), JournalEntry.id.desc()
        )
        if org_id is not None:
            query = query.where(JournalEntry.organization_id == org_id)
        with self._sessions() as session:
            return [record_from(JournalRecord, e) for e in session.scalars(query.limit(limit))]
