"""Recordings sync: copy an organization's Twilio recordings (their metadata, not the
audio) into the local database, with the history sync's machinery.

Read-only on Twilio, upsert by Recording SID, incremental (from a day before where the last
run got to), resumable from the checkpoint of every committed page, with progress and
cancel: `HistorySyncService` does all of it; this class only points it at the recordings.

Twilio's Recordings list has no To/From filter, so only a whole account can be read that
way: a BYO organization's. A Shared organization's recordings live in Loquent's shared
account among other organizations', so they are read per call, for the calls in its synced
call history (`recordings_per_call`): Sync its calls first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from ..domain.credentials import Mode
from ..domain.errors import LoquentError
from ..domain.history_records import SyncCheckpointRecord, SyncOwner
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.calls import CallRepository
from ..store.repositories.messages import MessageRepository
from ..store.repositories.recordings import RecordingRepository
from ..store.repositories.sync_checkpoints import ALL, SyncCheckpointRepository
from .history_kinds import RECORDINGS, HistoryKind
from .history_sync import NO_SHARED_NUMBERS, STALE_RUN, HistorySyncService
from .leases import Leases
from .recordings_per_call import PerCallRecordingsRun
from .sync_progress import SyncSummary
from .sync_run import ProgressCallback, SyncRun
from .twilio_access import TwilioAccess

KIND = RECORDINGS.name
SHARED_NEEDS_CALLS = (
    "Sync this organization's calls first (Sync tab). In Loquent's shared account the "
    "Recordings list also holds other organizations' recordings, so an organization in Shared "
    "mode gets the recordings of its own synced calls, read call by call."
)


class RecordingSyncService(HistorySyncService):
    def __init__(
        self,
        access: TwilioAccess,
        organizations: OrganizationRepository,
        phone_numbers: PhoneNumberRepository,
        messages: MessageRepository,
        calls: CallRepository,
        recordings: RecordingRepository,
        checkpoints: SyncCheckpointRepository,
        leases: Leases,
    ) -> None:
        super().__init__(access, organizations, phone_numbers, messages, calls, checkpoints, leases)
        self.recordings = recordings

    async def _scopes(
        self, org_id: int, owner: SyncOwner, numbers: Sequence[str] | None
    ) -> list[str]:
        if not owner.byo:
            if not await self.numbers(org_id):
                raise LoquentError(NO_SHARED_NUMBERS)
            if not await asyncio.to_thread(self.repositories["calls"].count, org_id):
                raise LoquentError(SHARED_NEEDS_CALLS)
        return [ALL]

    def _begin(
        self,
        org_id: int,
        kind: str,
        scopes: list[str],
        since: datetime | None,
        started: datetime,
        owner: SyncOwner,
    ) -> list[SyncCheckpointRecord]:
        """A Shared run after a completed one starts at the moment that one began: the
        per-call run reads the calls since (a day before) then, and those a calls sync has
        brought since then (see `recordings_per_call`)."""
        previous = self.checkpoints.get(org_id, kind, ALL)
        if (
            owner.byo
            or since is not None
            or previous is None
            or previous.owner != owner
            or previous.state != "completed"
            or previous.started_at is None
        ):
            return super()._begin(org_id, kind, scopes, since, started, owner)
        return self.checkpoints.begin_run(org_id, kind, {ALL: previous.started_at}, started, owner)

    async def _execute(
        self,
        org_id: int,
        spec: HistoryKind,
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None,
        resumed: bool,
    ) -> SyncSummary:
        """`HistorySyncService._execute` with the recordings: the account's list (BYO), or
        per call (Shared)."""

        async def prepare() -> SyncRun:
            account, resolved = await self.access.account_for(org_id)
            owner = SyncOwner(resolved.credentials.account_sid, resolved.mode is Mode.BYO)
            if any(cp.owner != owner for cp in run):
                raise LoquentError(STALE_RUN.format(noun=spec.name[:-1]))
            if owner.byo:
                return SyncRun(
                    spec, self.recordings, self.checkpoints, account.recording_pages,
                    org_id, frozenset(), run, progress, learn_own=True,
                    limiter=self.limiter(owner.account_sid),
                )  # fmt: skip
            numbers = await self.numbers(org_id)
            calls = await asyncio.to_thread(self.repositories["calls"].all_for_org, org_id)
            return PerCallRecordingsRun(
                spec, self.recordings, self.checkpoints, account.recording_pages, org_id,
                calls, numbers, owner, run, progress, self.limiter(owner.account_sid),
            )  # fmt: skip

        return await self._run(spec, run, resumed, prepare)
