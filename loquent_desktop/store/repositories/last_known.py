"""What Loquent last read from Twilio about an organization's numbers (table
`last_known_state`), per kind of read ("owned", "voice"), so a tab can show it when Twilio
cannot be reached.

A successful read replaces the organization's row of that kind in one transaction: a number
released since is gone from it, and a reader never sees half of two reads. A read that found
exactly what is stored only moves its time (`touch`): rewriting 10,000 numbers' JSON for
nothing held up the window.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Dialect, delete, insert, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

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


class _EncodedJSON(TypeDecorator[str]):
    """JSON text encoded already, bound to the JSON column as it is. SQLAlchemy's JSON type
    encodes the whole value in one `json.dumps` call, which holds the GIL (and so the
    window) for a tenth of a second or more at 10,000 numbers."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return None


# Rows encoded per json.dumps call: about a millisecond with the GIL held, then the other
# threads (the window's) get it.
_BATCH = 100


def _encoded(rows: Sequence[dict[str, Any]]) -> str:
    batches = (json.dumps(rows[i : i + _BATCH])[1:-1] for i in range(0, len(rows), _BATCH))
    return "[" + ", ".join(batches) + "]"


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
        data = type_coerce(_encoded(list(rows)), _EncodedJSON())
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
                    data=data,
                    read_at=read_at,
                )
            )

    def touch(
        self, org_id: int, kind: str, account_sid: str, stored_at: datetime, read_at: datetime
    ) -> bool:
        """The read stored at `stored_at` was read again, unchanged, at `read_at`. False
        (nothing changed) when the row is no longer that read: store the new one in full."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(LastKnownState)
                .where(
                    LastKnownState.organization_id == org_id,
                    LastKnownState.kind == kind,
                    LastKnownState.account_sid == account_sid,
                    LastKnownState.read_at == stored_at,
                )
                .values(read_at=read_at)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

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
