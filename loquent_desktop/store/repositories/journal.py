"""The journal: every plan that was confirmed or cancelled, and how it ended.

A bulk change also writes each item's outcome into its entry's `result` while it runs
(`merge_result`), so a run killed half-way still shows what it did.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
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
        # `merge_result` reads, changes and writes one JSON value: two worker threads
        # merging into the same entry at once would lose one's items.
        self._merging = threading.Lock()

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

    def merge_result(self, entry_id: int, section: str, items: Mapping[str, Any]) -> bool:
        """Add `items` (e.g. number SID -> that number's outcome) to `result[section]` of an
        entry that is still running, replacing earlier values of the same keys. False when
        the entry is finished already: `finish` wrote the whole result, which stays as is."""
        with self._merging, self._sessions() as session:
            entry = session.get(JournalEntry, entry_id, with_for_update=True)
            if entry is None:
                raise RecordNotFound(f"Journal entry #{entry_id} no longer exists.")
            if entry.outcome is not None:
                return False
            result = dict(entry.result or {})
            result[section] = {**(result.get(section) or {}), **items}
            entry.result = result  # a new dict: the JSON column sees the change
            session.commit()
            return True

    def find_running(self, run: str, among: Iterable[int]) -> int | None:
        """Which of the unfinished entries `among` journals the run whose plan carries
        `details["run"] == run` (None if none does)."""
        ids = list(among)
        if not ids:
            return None
        query = select(JournalEntry.id, JournalEntry.plan).where(
            JournalEntry.id.in_(ids), JournalEntry.outcome.is_(None)
        )
        with self._sessions() as session:
            for entry_id, plan in session.execute(query):
                if ((plan or {}).get("details") or {}).get("run") == run:
                    return int(entry_id)
        return None

    def get(self, entry_id: int) -> JournalRecord:
        with self._sessions() as session:
            entry = session.get(JournalEntry, entry_id)
            if entry is None:
                raise RecordNotFound(f"Journal entry #{entry_id} no longer exists.")
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
