"""Recordings copied from Twilio's Recordings list: upsert a synced page by Recording SID
(with the sync's checkpoint, in one transaction, like calls), and browse them joined with
their calls for the number and contact side.

A recording has no From/To of its own: the organization's number and the other party come
from its call, when that call is synced too (the Calls sync of the Sync tab).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ...domain.contacts import parties
from ...domain.history_records import PageCheckpoint
from ...domain.recordings import RecordingQuery, RecordingRecord, RecordingRow
from ..column_types import utcnow
from ..models import Call
from ..recording_models import Recording, RecordingSetting
from .history_repository import SOURCES, PageResult
from .history_rows import FieldMap, date_field, int_field, stored_rows, text_field, upsert_rows
from .sync_checkpoints import add_page, save_page

_table = cast(Table, Recording.__table__)
_calls = cast(Table, Call.__table__)

# Twilio's JSON names -> columns. `duration` arrives as a string of seconds.
RECORDING_FIELDS = FieldMap(
    _table,
    (
        text_field("account_sid"),
        text_field("call_sid"),
        text_field("conference_sid"),
        text_field("status"),
        int_field("channels"),
        text_field("recording_source", "source"),
        int_field("duration"),
        text_field("price"),
        text_field("price_unit"),
        date_field("start_time"),
        date_field("date_created"),
        date_field("date_updated"),
        int_field("error_code"),
    ),
)


class RecordingRepository:
    fields = RECORDING_FIELDS

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def commit_page(
        self,
        org_id: int,
        raw_records: Iterable[Mapping[str, Any]],
        *,
        own_numbers: frozenset[str] = frozenset(),
        learn_own: bool = False,
        not_before: datetime | None = None,
        checkpoint: PageCheckpoint | None = None,
        counted_since: datetime | None = None,
        source: str = "import",
    ) -> PageResult:
        """Upsert a page and (optionally) the run's checkpoint in one commit. The keyword
        arguments match `HistoryRepository.commit_page`, so the history sync's `SyncRun`
        drives both; recordings have no contacts of their own (their calls do)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        by_sid: dict[str, dict[str, Any]] = {}
        for raw in raw_records:
            values = self.fields.values(raw)
            when = values["start_time"] or values["date_created"]
            if not_before is not None and (when is None or when < not_before):
                continue
            by_sid[str(raw["sid"])] = values
        dates = [w for v in by_sid.values() if (w := v["start_time"] or v["date_created"])]
        oldest, newest = (min(dates), max(dates)) if dates else (None, None)
        with self._sessions() as session:
            columns, stored = stored_rows(_table, by_sid, session.get_bind().dialect.name)
            counts = upsert_rows(
                session, _table, org_id, columns, stored,
                source=source, now=utcnow(), counted_since=counted_since,
            )  # fmt: skip
            totals = None
            if checkpoint is not None:
                totals = add_page(checkpoint.counts, counts, newest)
                save_page(session, checkpoint, totals)
            session.commit()
        return PageResult(counts, totals, oldest, newest, 0)

    # -- reading -------------------------------------------------------------------------
    def search(self, org_id: int, query: RecordingQuery) -> list[RecordingRow]:
        """Newest first, joined with the recording's call (when synced)."""
        t, c = _table, _calls
        joined = t.outerjoin(c, (c.c.sid == t.c.call_sid) & (c.c.organization_id == org_id))
        statement = (
            select(t, c.c.direction, c.c.from_number, c.c.to_number, c.c.parent_call_sid)
            .select_from(joined)
            .where(t.c.organization_id == org_id)
        )
        if query.source:
            statement = statement.where(t.c.recording_source == query.source)
        if query.number:
            statement = statement.where(
                or_(c.c.from_number == query.number, c.c.to_number == query.number)
            )
        if query.date_from is not None:
            statement = statement.where(t.c.start_time >= query.date_from)
        if query.date_to is not None:
            statement = statement.where(t.c.start_time < query.date_to)
        statement = statement.order_by(t.c.start_time.desc().nulls_last(), t.c.id.desc())
        rows: list[RecordingRow] = []
        width = len(t.c)
        with self._sessions() as session:
            for row in session.execute(statement.limit(query.limit)):
                record = RecordingRecord(*row[:width])
                direction, from_, to, parent = row[width:]
                mine, theirs = parties(direction, from_, to, parent)
                rows.append(RecordingRow(record, mine, theirs, direction))
        return rows

    def get(self, org_id: int, sid: str) -> RecordingRecord | None:
        statement = select(_table).where(_table.c.organization_id == org_id, _table.c.sid == sid)
        with self._sessions() as session:
            row = session.execute(statement).first()
        return RecordingRecord(*row) if row is not None else None

    def count(self, org_id: int) -> int:
        statement = (
            select(func.count()).select_from(_table).where(_table.c.organization_id == org_id)
        )
        with self._sessions() as session:
            return int(session.scalar(statement) or 0)

    def call_sids(self, org_id: int) -> set[str]:
        """Calls with at least one recording, for the Calls browser."""
        statement = select(_table.c.call_sid).where(
            _table.c.organization_id == org_id, _table.c.call_sid.is_not(None)
        )
        with self._sessions() as session:
            return {str(s) for s in session.scalars(statement.distinct())}

    # -- Loquent's recording setting (local only) -----------------------------------------
    def setting(self, org_id: int) -> bool:
        with self._sessions() as session:
            found = session.get(RecordingSetting, org_id)
            return bool(found.enabled) if found is not None else False

    def set_setting(self, org_id: int, enabled: bool) -> None:
        with self._sessions() as session:
            found = session.get(RecordingSetting, org_id)
            if found is None:
                session.add(RecordingSetting(organization_id=org_id, enabled=enabled))
            else:
                found.enabled = enabled
                found.updated_at = utcnow()
            session.commit()
