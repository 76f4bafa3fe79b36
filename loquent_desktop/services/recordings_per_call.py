"""A Shared organization's recordings sync: each of its calls' recordings, read per call.

In Shared mode the account is Loquent's shared one, and its Recordings list also holds other
organizations' recordings (Twilio's list has no To/From filter). So the run never reads that
list: it reads `/Calls/{CA}/Recordings.json` for the calls in the organization's synced call
history that are its own (on the shared account, on one of its numbers, from the day the
organization got that number: `calls_to_read`). Calls are read in SID order, a few at a
time, and every batch is committed with its checkpoint, whose stored position is the last
call SID done: Resume carries on after it, Cancel stops after the batch in flight.

Incremental: a run's `since` is when the last completed run began (`RecordingSyncService.
_begin`). It reads the calls started from a day before then (a call still going on then gets
its recording afterwards) and the calls a calls sync has stored or refreshed since then (a
calls sync reaching further back brings older calls, which may have recordings too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain.errors import TwilioApiError
from ..domain.history_records import (
    CallRecord,
    PageCheckpoint,
    SyncCheckpointRecord,
    SyncOwner,
    UpsertCounts,
)
from ..domain.records import PhoneNumberRecord
from ..store.repositories.history_repository import PageResult
from ..store.repositories.sync_checkpoints import OVERLAP, SyncCheckpointRepository
from ..twilio_api.recordings import RecordingPagesGateway
from .account_limits import AccountLimiter, limited
from .history_kinds import HistoryKind
from .history_sync import held_since
from .page_source import PageStore
from .sync_progress import ProgressTracker
from .sync_run import ProgressCallback, SyncRun

BATCH = 8  # calls read at once (under the account's cap), then committed with the checkpoint
_GONE = 404  # a call Twilio no longer has: it has no recordings to read


def calls_to_read(
    calls: Sequence[CallRecord],
    numbers: Sequence[PhoneNumberRecord],
    owner: SyncOwner,
    since: datetime | None,
    after: str | None,
) -> list[str]:
    """The SIDs (sorted) of the organization's own calls whose recordings a run reads:
    on the shared account, on one of its numbers while it held it, started from a day
    before `since` or synced since `since`, and after the stored position `after` of an
    interrupted run."""
    held = held_since(numbers)
    chosen = []
    for call in calls:
        when = call.when
        if call.account_sid != owner.account_sid or when is None:
            continue
        ours = any(n in held and when >= held[n] for n in (call.from_number, call.to_number))
        if not ours:
            continue
        if since is not None and when < since - OVERLAP and call.synced_at < since:
            continue
        if after is not None and call.sid <= after:
            continue
        chosen.append(call.sid)
    return sorted(chosen)


class PerCallRecordingsRun(SyncRun):
    """`SyncRun`'s interface (execute, settle, counts, pages) over per-call reads."""

    def __init__(
        self,
        kind: HistoryKind,
        repository: PageStore,
        checkpoints: SyncCheckpointRepository,
        gateway: RecordingPagesGateway,
        org_id: int,
        calls: Sequence[CallRecord],
        numbers: Sequence[PhoneNumberRecord],
        owner: SyncOwner,
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None = None,
        limiter: AccountLimiter | None = None,
    ) -> None:
        """`limiter`: the account's cap on concurrent requests, shared with every other sync
        of it (the shared account serves every Shared organization)."""
        super().__init__(
            kind, repository, checkpoints, gateway, org_id, frozenset(), run, progress,
            limiter=limiter,
        )  # fmt: skip
        self.gateway = gateway
        self.todo = {
            cp.id: calls_to_read(calls, numbers, owner, cp.since, cp.next_page_uri or None)
            for cp in self.pending
        }
        self.tracker = ProgressTracker(kind.name, sum(len(sids) for sids in self.todo.values()))
        self._commit_running: asyncio.Future[PageResult] | None = None

    async def execute(self) -> None:
        for checkpoint in self.pending:
            await self._calls(checkpoint)

    async def settle(self) -> None:
        if self._commit_running is not None and not self._commit_running.done():
            await asyncio.gather(self._commit_running, return_exceptions=True)

    async def _calls(self, cp: SyncCheckpointRecord) -> None:
        sids = self.todo[cp.id]
        counts: dict[str, Any] = dict(cp.counts or {})
        for at in range(0, len(sids), BATCH):
            batch = sids[at : at + BATCH]
            self.tracker.scope = f"recordings of {at + len(batch):,} of {len(sids):,} calls"
            found = await asyncio.gather(*(self._one(sid) for sid in batch))
            records = [record for page in found for record in page]
            mark = PageCheckpoint(cp.id, 0, batch[-1], counts)
            result = await self._commit_batch(cp, records, mark)
            counts = result.totals or counts
            totals = result.totals or {}
            self.totals[cp.id] = (UpsertCounts.of(totals), int(totals.get("pages", 0)))
            self.tracker.counts, self.tracker.pages = self.counts, self.pages
            self.tracker.session_seen += len(records)
            self.tracker.done_steps += len(batch)  # a call is a step: the share done is exact
            if self.progress is not None:
                self.progress(self.tracker.snapshot())
        await asyncio.to_thread(self.checkpoints.complete, cp.id, 1)

    async def _one(self, call_sid: str) -> list[dict[str, Any]]:
        try:
            page = await limited(self.limiter, lambda: self.gateway.call_recordings(call_sid))
            return page.records
        except TwilioApiError as err:
            if err.status == _GONE:
                return []
            raise

    async def _commit_batch(
        self, cp: SyncCheckpointRecord, records: list[dict[str, Any]], mark: PageCheckpoint
    ) -> PageResult:
        work = asyncio.to_thread(
            self.repository.commit_page,
            self.org_id,
            records,
            checkpoint=mark,
            counted_since=cp.started_at,
        )
        self._commit_running = asyncio.ensure_future(work)
        # Shielded: a cancel stops the run after this batch, never half-way through it.
        return await asyncio.shield(self._commit_running)
