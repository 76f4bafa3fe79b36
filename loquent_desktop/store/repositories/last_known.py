"""What Loquent last read from Twilio about an organization's numbers (table
`last_known_state`), per kind of read ("owned", "voice"), so a tab can show it when Twilio
cannot be reached.

A successful read replaces the organization's row of that kind in one transaction: a number
released since is gone from it, and a reader never sees half of two reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from ..models import LastKnownState

OWNED = "owned"
VOICE = "voice"


@dataclass(frozen=True)
class LastKnownRows:
    """One kind of read of one organization: each number's fields by SID, and when they
    were read (None: never)."""

    rows: dict[str, dict[str, Any]]
    read_at: datetime | None

    def __bool__(self) -> bool:
        return bool(self.rows)


class LastKnownRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def replace(
        self,
        org_id: int,
        kind: str,
        account_sid: str,
        rows: Sequence[dict[str, Any]],
        read_at: datetime,
    ) -> None:
        """`rows` (each number's fields, JSON-ready, with its "sid") become everything
        known of this kind, unless a newer read is stored already (two reads stored from
        worker threads may finish in either order)."""
        with self._sessions.begin() as session:
            stored = session.scalar(
                select(LastKnownState.read_at).where(
                    LastKnownState.organization_id == org_id, LastKnownState.kind == kind
                )
            )
            if stored is not None and stored > read_at:
                return
            session.execute(
                delete(LastKnownState).where(
                    LastKnownState.organization_id == org_id, LastKnownState.kind == kind
                )
            )
            session.execute(
                insert(LastKnownState).values(
                    organization_id=org_id,
                    kind=kind,
                    account_sid=account_sid,
                    data=list(rows),
                    read_at=read_at,
                )
            )

    def load(self, org_id: int, kind: str, account_sid: str) -> LastKnownRows:
        """What was last read of this kind from `account_sid` (nothing for another account)."""
        query = select(LastKnownState.data, LastKnownState.read_at).where(
            LastKnownState.organization_id == org_id,
            LastKnownState.kind == kind,
            LastKnownState.account_sid == account_sid,
        )
        with self._sessions() as session:
            found = session.execute(query).first()
        if found is None:
            return LastKnownRows({}, None)
        data, read_at = found
        return LastKnownRows({str(row["sid"]): row for row in data}, read_at)
