"""Date ranges of a history sync's query, each read on its own and checkpointed on its own.

A large query (a BYO account's whole Messages list, say) is cut into disjoint date ranges
that are read at the same time: at a few hundred milliseconds a page, one after the other
is what makes a million messages slow. Each range saves its next page with every committed
page, in that page's transaction (`save_range`), like the checkpoint does for an unsplit
query; the scope's `SyncCheckpoint` keeps the run's totals and which query is under way.
Part 0 reads on from where the query's first page ended, down to `after`; every other part
asks Twilio for its dates only. Upserts by SID keep a page read twice harmless, and the
ranges never overlap, so each record is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import SyncRange
from .records import record_from

PENDING, COMPLETED = "pending", "completed"
_table = cast(Table, SyncRange.__table__)


@dataclass(frozen=True)
class SyncRangeRecord:
    id: int
    checkpoint_id: int
    step: int
    part: int
    after: datetime | None  # records from this moment (a UTC midnight); None: unbounded
    before: datetime | None  # records before this moment; None: up to now
    next_page_uri: str | None
    state: str

    @property
    def done(self) -> bool:
        return self.state == COMPLETED


@dataclass(frozen=True)
class PlannedRange:
    part: int
    after: datetime | None
    before: datetime | None
    next_page_uri: str | None = None


@dataclass(frozen=True)
class RangeMark:
    """What a committed page does to the ranges, in the page's own transaction: move one
    range on (`range_id`, its next page, whether it is done), or create a query's ranges
    (`create`, with the first page that planned them)."""

    range_id: int | None = None
    next_page_uri: str | None = None
    done: bool = False
    step: int = 0
    create: tuple[PlannedRange, ...] = ()


def save_range(session: Session, checkpoint_id: int, mark: RangeMark) -> None:
    """The caller commits, together with the page's rows."""
    if mark.create:
        rows = [
            {"checkpoint_id": checkpoint_id, "step": mark.step, "part": r.part,
             "after": r.after, "before": r.before, "next_page_uri": r.next_page_uri,
             "state": PENDING}
            for r in mark.create
        ]  # fmt: skip
        session.execute(insert(_table), rows)
    if mark.range_id is not None:
        session.execute(
            update(_table)
            .where(_table.c.id == mark.range_id)
            .values(next_page_uri=mark.next_page_uri, state=COMPLETED if mark.done else PENDING)
        )


def forget_ranges(session: Session, checkpoint_ids: Iterable[int]) -> None:
    """Drop the ranges of checkpoints that start over or are done. The caller commits."""
    ids = list(checkpoint_ids)
    if ids:
        session.execute(delete(_table).where(_table.c.checkpoint_id.in_(ids)))


class SyncRangeRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def for_step(self, checkpoint_id: int, step: int) -> list[SyncRangeRecord]:
        query = (
            select(_table)
            .where(_table.c.checkpoint_id == checkpoint_id, _table.c.step == step)
            .order_by(_table.c.part)
        )
        with self._sessions() as session:
            return [record_from(SyncRangeRecord, row) for row in session.execute(query).mappings()]

    def restart(self, range_id: int) -> None:
        """Twilio refused the range's stored next-page link: read it again from its start."""
        with self._sessions() as session:
            session.execute(
                update(_table).where(_table.c.id == range_id).values(next_page_uri=None)
            )
            session.commit()

    def forget(self, checkpoint_ids: Sequence[int]) -> None:
        with self._sessions() as session:
            forget_ranges(session, checkpoint_ids)
            session.commit()
