"""History sync: copy an organization's Twilio messages and calls into the local database.

Read-only on Twilio. Every run:

- covers scopes: "all" (a BYO organization's whole account, one query) or numbers (To= and
  From= per number). A Shared organization's "all" means the numbers Loquent recorded for
  it: the shared account also holds other customers' messages;
- starts, per scope, at the `since` date given, else one day before where the last completed
  run got to (Twilio's date filters are day-granular, so the overlap day is read again and
  upserts by SID absorb it), else at the beginning of the history;
- commits each page with its checkpoint and can be resumed after a cancel, an error or a
  crash; a `running` checkpoint no run in this process holds is one a dead process left.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start

from ..domain.errors import LoquentError, TwilioApiError
from ..store.column_types import utcnow
from ..store.repositories import OrganizationRepository, PhoneNumberRecord, PhoneNumberRepository
from ..store.repositories.calls import CallRepository
from ..store.repositories.history_records import SyncCheckpointRecord, UpsertCounts
from ..store.repositories.history_repository import HistoryRepository
from ..store.repositories.messages import MessageRepository
from ..store.repositories.sync_checkpoints import ALL, SyncCheckpointRepository
from .history_kinds import HistoryKind, kind_named
from .sync_progress import SyncSummary, plural
from .sync_run import ProgressCallback, SyncRun
from .twilio_access import TwilioAccess

NO_SHARED_NUMBERS = (
    "No numbers are recorded for this organization yet. In Shared mode only the messages and "
    "calls of its own numbers are synced (Loquent's shared account also holds other "
    "organizations' history)."
)


class HistorySyncError(LoquentError):
    """A sync stopped on a Twilio error; what it read so far is saved and resumable."""

    def __init__(self, message: str, cause: TwilioApiError) -> None:
        super().__init__(message)
        self.cause = cause


@dataclass(frozen=True)
class SyncStatus:
    """What the sync controls show before a run: whether one can be resumed."""

    kind: str
    running: bool
    resumable: bool
    interrupted_at: datetime | None
    counts: UpsertCounts  # of the resumable run so far
    scopes: tuple[str, ...]
    synced_through: datetime | None  # newest record a completed run reached (any scope)

    def text(self) -> str:
        if self.running:
            return f"A {self.kind[:-1]} sync is running."
        if self.resumable and self.interrupted_at is not None:
            when = self.interrupted_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return (
                f"Interrupted on {when} after {plural(self.counts.seen, self.kind)} — "
                "Resume continues where it stopped."
            )
        if self.synced_through is not None:
            when = self.synced_through.astimezone().strftime("%Y-%m-%d %H:%M")
            return f"Synced up to {when}. The next run starts a day before that."
        return f"No {self.kind} synced yet."


def day_of(moment: date | datetime) -> datetime:
    """Midnight UTC of a day: the resolution of Twilio's date filters."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return datetime.combine(day, day_start(0), tzinfo=UTC)


class HistorySyncService:
    def __init__(
        self,
        access: TwilioAccess,
        organizations: OrganizationRepository,
        phone_numbers: PhoneNumberRepository,
        messages: MessageRepository,
        calls: CallRepository,
        checkpoints: SyncCheckpointRepository,
    ) -> None:
        self.access = access
        self.organizations = organizations
        self.phone_numbers = phone_numbers
        self.repositories: dict[str, HistoryRepository] = {"messages": messages, "calls": calls}
        self.checkpoints = checkpoints
        self._running: set[tuple[int, str]] = set()

    # -- reads ---------------------------------------------------------------------------
    async def numbers(self, org_id: int) -> list[PhoneNumberRecord]:
        """The organization's numbers in Loquent's database, for choosing what to sync."""
        return await asyncio.to_thread(self.phone_numbers.list_for_org, org_id)

    def is_running(self, org_id: int, kind: str) -> bool:
        return (org_id, kind) in self._running

    async def status(self, org_id: int, kind: str) -> SyncStatus:
        kind_named(kind)
        run, every = await asyncio.to_thread(self._status_rows, org_id, kind)
        pending = [cp for cp in run if cp.state != "completed"]
        counts = UpsertCounts()
        for cp in run:
            counts = counts + UpsertCounts.of(cp.counts)
        through = [cp.synced_through for cp in every if cp.synced_through is not None]
        running = self.is_running(org_id, kind)
        return SyncStatus(
            kind=kind,
            running=running,
            resumable=bool(pending) and not running,
            interrupted_at=max((cp.updated_at for cp in pending), default=None),
            counts=counts,
            scopes=tuple(cp.scope for cp in run),
            synced_through=max(through, default=None),
        )

    def _status_rows(
        self, org_id: int, kind: str
    ) -> tuple[list[SyncCheckpointRecord], list[SyncCheckpointRecord]]:
        return self.checkpoints.latest_run(org_id, kind), self.checkpoints.list_for_org(
            org_id, kind
        )

    # -- runs ----------------------------------------------------------------------------
    async def start(
        self,
        org_id: int,
        kind: str,
        numbers: Sequence[str] | None = None,
        since: date | datetime | None = None,
        progress: ProgressCallback | None = None,
    ) -> SyncSummary:
        """A new run over `numbers` (None: all of the organization's). An interrupted
        run of the same kind is abandoned (its rows stay; Resume would have continued it)."""
        spec = kind_named(kind)
        self._claim(org_id, kind)
        try:
            scopes = await self._scopes(org_id, numbers)
            started = utcnow()
            run = await asyncio.to_thread(
                self._begin, org_id, kind, scopes, None if since is None else day_of(since), started
            )
            return await self._execute(org_id, spec, run, progress, resumed=False)
        finally:
            self._running.discard((org_id, kind))

    async def resume(
        self, org_id: int, kind: str, progress: ProgressCallback | None = None
    ) -> SyncSummary:
        """Carry on with the newest run from where it stopped."""
        spec = kind_named(kind)
        self._claim(org_id, kind)
        try:
            run = await asyncio.to_thread(self.checkpoints.latest_run, org_id, kind)
            pending = [cp.id for cp in run if cp.state != "completed"]
            if not pending:
                raise LoquentError(f"There is no interrupted {kind[:-1]} sync to resume.")
            await asyncio.to_thread(self.checkpoints.set_state, pending, "running")
            return await self._execute(org_id, spec, run, progress, resumed=True)
        finally:
            self._running.discard((org_id, kind))

    def _claim(self, org_id: int, kind: str) -> None:
        if (org_id, kind) in self._running:
            raise LoquentError(f"A {kind[:-1]} sync for this organization is already running.")
        self._running.add((org_id, kind))

    async def _scopes(self, org_id: int, numbers: Sequence[str] | None) -> list[str]:
        if numbers is not None:
            chosen = sorted({n.strip() for n in numbers if n.strip()})
            if not chosen:
                raise LoquentError("Choose at least one number to sync.")
            return chosen
        org = await asyncio.to_thread(self.organizations.get, org_id)
        if org.byo_twilio:
            return [ALL]
        recorded = sorted({n.phone_number for n in await self.numbers(org_id)})
        if not recorded:
            raise LoquentError(NO_SHARED_NUMBERS)
        return recorded

    def _begin(
        self, org_id: int, kind: str, scopes: list[str], since: datetime | None, started: datetime
    ) -> list[SyncCheckpointRecord]:
        since_by_scope: dict[str, datetime | None] = {}
        for scope in scopes:
            previous = self.checkpoints.get(org_id, kind, scope)
            start = since
            if start is None and previous is not None and previous.synced_through is not None:
                start = day_of(previous.synced_through - timedelta(days=1))
            since_by_scope[scope] = start
        return self.checkpoints.begin_run(org_id, kind, since_by_scope, started)

    async def _execute(
        self,
        org_id: int,
        spec: HistoryKind,
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None,
        resumed: bool,
    ) -> SyncSummary:
        began = time.monotonic()
        pending = [cp.id for cp in run if cp.state != "completed"]
        try:
            client, _ = await self.access.client_for(org_id)
            own = frozenset(n.phone_number for n in await self.numbers(org_id))
            sync = SyncRun(
                spec, self.repositories[spec.name], self.checkpoints, client, org_id, own, run,
                progress,
            )  # fmt: skip
            try:
                await sync.execute()
            finally:
                await asyncio.shield(sync.settle())
        except BaseException as exc:
            # Cancel, Twilio error, crash of our own: the checkpoint stays resumable.
            await asyncio.shield(
                asyncio.to_thread(self.checkpoints.set_state, pending, "interrupted")
            )
            if isinstance(exc, TwilioApiError):
                raise HistorySyncError(
                    f"The {spec.name[:-1]} sync stopped: {exc} Everything read up to then is "
                    "saved; Resume continues from there.",
                    exc,
                ) from exc
            raise
        return SyncSummary(
            kind=spec.name,
            counts=sync.counts,
            pages=sync.pages,
            scopes=tuple(cp.scope for cp in run),
            elapsed_s=time.monotonic() - began,
            resumed=resumed,
        )
