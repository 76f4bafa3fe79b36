"""Recordings sync: copy an organization's Twilio recordings (their metadata, not the
audio) into the local database, with the history sync's machinery.

Read-only on Twilio, upsert by Recording SID, incremental (from a day before where the last
run got to), resumable from the checkpoint of every committed page, with progress and
cancel: `HistorySyncService` does all of it; this class only points it at the Recordings
list and the recording table.

Twilio's Recordings list has no To/From filter, so only a whole account can be read: a BYO
organization's. A Shared organization's recordings live in Loquent's shared account among
other customers'; they would have to be read per call (CallSid=), which is not built yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.credentials import Mode
from ..domain.errors import LoquentError
from ..domain.history_records import SyncCheckpointRecord, SyncOwner
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.calls import CallRepository
from ..store.repositories.messages import MessageRepository
from ..store.repositories.recordings import RecordingRepository
from ..store.repositories.sync_checkpoints import ALL, SyncCheckpointRepository
from .history_kinds import RECORDINGS, HistoryKind
from .history_sync import HistorySyncService
from .leases import Leases
from .sync_progress import SyncSummary
from .sync_run import ProgressCallback, SyncRun
from .twilio_access import TwilioAccess

KIND = RECORDINGS.name
SHARED_NOT_YET = (
    "Recordings can be synced for an organization on its own Twilio account (BYO). In "
    "Loquent's shared account the Recordings list also holds other organizations' recordings."
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
            raise LoquentError(SHARED_NOT_YET)
        return [ALL]

    async def _execute(
        self,
        org_id: int,
        spec: HistoryKind,
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None,
        resumed: bool,
    ) -> SyncSummary:
        """`HistorySyncService._execute` with the Recordings list and table."""

        async def prepare() -> SyncRun:
            account, resolved = await self.access.account_for(org_id)
            owner = SyncOwner(resolved.credentials.account_sid, resolved.mode is Mode.BYO)
            if any(cp.owner != owner for cp in run) or not owner.byo:
                raise LoquentError(SHARED_NOT_YET if not owner.byo else "Stale run.")
            return SyncRun(
                spec, self.recordings, self.checkpoints, account.recording_pages,  # type: ignore[arg-type]
                org_id, frozenset(), run, progress, learn_own=True,
            )  # fmt: skip

        return await self._run(spec, run, resumed, prepare)
