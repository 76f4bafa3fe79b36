"""Sync checkpoints: where each history sync stands, per (organization, kind, scope).

A run marks all its scopes `running` before the first request, saves its position after every
committed page (in that page's transaction, see `save_page`), and ends `completed` or
`interrupted`. A process that dies leaves `running` behind; the service treats a `running`
checkpoint that no run of its own holds as interrupted. All scopes of one run share its
`started_at`, which is how Resume finds the rest of the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ...domain.history_records import PageCheckpoint, SyncCheckpointRecord, SyncOwner, UpsertCounts
from ..column_types import utcnow
from ..errors import RecordNotFound
from ..models import SyncCheckpoint
from .phone_numbers import parse_twilio_date
from .records import record_from
from .sync_ranges import SyncRangeRepository, forget_ranges

KINDS = ("messages", "calls", "recordings")
STATES = ("running", "interrupted", "completed")
ALL = "all"
# Twilio's date filters are day-granular: an incremental run reads the last day again.
OVERLAP = timedelta(days=1)
_table = cast(Table, SyncCheckpoint.__table__)


def add_page(counts: Mapping[str, Any] | None, page: UpsertCounts, newest: datetime | None) -> dict:
    """A run's totals after one more page: counts, pages read, and the newest date seen
    (kept as ISO text: the column is JSON)."""
    totals = UpsertCounts.of(dict(counts or {})) + page
    before = parse_twilio_date((counts or {}).get("newest"))
    if newest is not None and (before is None or newest > before):
        before = newest
    return {
        **totals.as_dict(),
        "pages": int((counts or {}).get("pages", 0)) + 1,
        "newest": before.isoformat() if before else None,
    }


def save_page(session: Session, page: PageCheckpoint, counts: dict[str, Any]) -> None:
    """Record the position after a committed page; the caller commits both together."""
    session.execute(
        update(_table)
        .where(_table.c.id == page.checkpoint_id)
        .values(
            step=page.step,
            next_page_uri=page.next_page_uri,
            counts=counts,
            state="running",
            updated_at=utcnow(),
        )
    )


def covers_from(since: datetime | None, through: datetime | None) -> bool:
    """Whether a run starting at `since` joins up with what was synced up to `through`."""
    return since is None or (through is not None and since <= through - OVERLAP)


class SyncCheckpointRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.ranges = SyncRangeRepository(sessions)  # a large query's date ranges

    def get(self, org_id: int, kind: str, scope: str) -> SyncCheckpointRecord | None:
        query = select(_table).where(
            _table.c.organization_id == org_id, _table.c.kind == kind, _table.c.scope == scope
        )
        with self._sessions() as session:
            row = session.execute(query).mappings().first()
            return None if row is None else record_from(SyncCheckpointRecord, row)

    def get_by_id(self, checkpoint_id: int) -> SyncCheckpointRecord | None:
        with self._sessions() as session:
            row = session.execute(select(_table).where(_table.c.id == checkpoint_id)).mappings()
            found = row.first()
            return None if found is None else record_from(SyncCheckpointRecord, found)

    def list_for_org(self, org_id: int, kind: str | None = None) -> list[SyncCheckpointRecord]:
        query = select(_table).where(_table.c.organization_id == org_id)
        if kind is not None:
            query = query.where(_table.c.kind == kind)
        with self._sessions() as session:
            rows = session.execute(query.order_by(_table.c.scope)).mappings()
            return [record_from(SyncCheckpointRecord, row) for row in rows]

    def latest_run(self, org_id: int, kind: str) -> list[SyncCheckpointRecord]:
        """Every scope of the newest run of `kind` (empty when none ever ran)."""
        with self._sessions() as session:
            newest = session.scalar(
                select(func.max(_table.c.started_at)).where(
                    _table.c.organization_id == org_id, _table.c.kind == kind
                )
            )
        if newest is None:
            return []
        return [c for c in self.list_for_org(org_id, kind) if c.started_at == newest]

    def begin_run(
        self,
        org_id: int,
        kind: str,
        since_by_scope: Mapping[str, datetime | None],
        started_at: datetime,
        owner: SyncOwner | None = None,
    ) -> list[SyncCheckpointRecord]:
        """Mark each scope `running` from its first page, for `owner` (the account and mode
        the run reads). `synced_through` (what the last completed run reached) is kept until
        this run completes, unless it was reached for another owner: then it says nothing
        about this account's history and is dropped."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        fresh: dict[str, Any] = {
            "step": 0,
            "next_page_uri": None,
            "counts": {},
            "state": "running",
            "started_at": started_at,
            "updated_at": utcnow(),
            "account_sid": owner.account_sid if owner else None,
            "byo_twilio": owner.byo if owner else None,
        }
        with self._sessions() as session:
            for scope, since in since_by_scope.items():
                found = session.execute(
                    select(_table.c.id, _table.c.account_sid, _table.c.byo_twilio).where(
                        _table.c.organization_id == org_id,
                        _table.c.kind == kind,
                        _table.c.scope == scope,
                    )
                ).first()
                values = {**fresh, "since": since}
                if found is None:
                    session.execute(
                        _table.insert().values(
                            organization_id=org_id, kind=kind, scope=scope, **values
                        )
                    )
                    continue
                if (found.account_sid, found.byo_twilio) != (
                    values["account_sid"],
                    values["byo_twilio"],
                ):
                    values["synced_through"] = None
                session.execute(update(_table).where(_table.c.id == found.id).values(values))
                forget_ranges(session, [found.id])  # the abandoned run's ranges
            session.commit()
        return [c for c in self.list_for_org(org_id, kind) if c.scope in since_by_scope]

    def set_state(self, checkpoint_ids: Iterable[int], state: str) -> None:
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        ids = list(checkpoint_ids)
        if not ids:
            return
        with self._sessions() as session:
            session.execute(
                update(_table)
                .where(_table.c.id.in_(ids), _table.c.state != "completed")
                .values(state=state, updated_at=utcnow())
            )
            session.commit()

    def complete(self, checkpoint_id: int, steps: int) -> SyncCheckpointRecord:
        """The run reached the last page of its last query. The newest date it saw becomes
        `synced_through`, where the next incremental run starts (minus a day), but only when
        the run read everything between the last point and then: it had no `since`, or one
        no later than a day before the previous `synced_through`. A run "only since" a later
        date leaves a gap behind it; moving the mark past that gap would make every later
        incremental run skip it for good."""
        with self._sessions() as session:
            row = session.execute(
                select(_table.c.counts, _table.c.synced_through, _table.c.since).where(
                    _table.c.id == checkpoint_id
                )
            ).first()
            if row is not None:
                newest = parse_twilio_date((row.counts or {}).get("newest"))
                through = row.synced_through
                if (
                    covers_from(row.since, through)
                    and newest is not None
                    and (through is None or newest > through)
                ):
                    through = newest
                session.execute(
                    update(_table)
                    .where(_table.c.id == checkpoint_id)
                    .values(
                        state="completed",
                        step=steps,
                        next_page_uri=None,
                        synced_through=through,
                        updated_at=utcnow(),
                    )
                )
                forget_ranges(session, [checkpoint_id])
                session.commit()
        record = self.get_by_id(checkpoint_id)
        if record is None:
            raise RecordNotFound("The sync checkpoint was removed (organization deleted?).")
        return record

    def restart_step(self, checkpoint_id: int) -> None:
        """Twilio refused the stored next-page link: read the step again from its first
        page (upserts by SID make that safe)."""
        with self._sessions() as session:
            session.execute(
                update(_table)
                .where(_table.c.id == checkpoint_id)
                .values(next_page_uri=None, updated_at=utcnow())
            )
            session.commit()

    def finish_step(self, checkpoint_id: int, step: int) -> None:
        """Every date range of query `step` is read: the scope moves on to the next query
        (its ranges are no longer needed)."""
        with self._sessions() as session:
            session.execute(
                update(_table)
                .where(_table.c.id == checkpoint_id)
                .values(step=step + 1, next_page_uri=None, updated_at=utcnow())
            )
            forget_ranges(session, [checkpoint_id])
            session.commit()
