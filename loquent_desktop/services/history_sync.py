"""History sync: copy an organization's Twilio messages and calls into the local database.

Read-only on Twilio. Every run:

- covers scopes: "all" (a BYO organization's whole account, one query) or numbers (To= and
  From= per number), always numbers Loquent recorded for the organization. A Shared
  organization's "all" means those numbers, each read only from the day the organization
  got it: the shared account also holds other customers' messages, and a number's earlier
  history may be a previous holder's;
- belongs to the account and mode (BYO / Shared) it began with: a run begun for another
  (the organization was reconnected, or moved between BYO and Shared) is never resumed;
- starts, per scope, at the `since` date given, else one day before where the last completed
  run got to (Twilio's date filters are day-granular, so the overlap day is read again and
  upserts by SID absorb it), else at the beginning of the history;
- commits each page with its checkpoint and can be resumed after a cancel, an error or a
  crash; a `running` checkpoint no run in this process holds is one a dead process left;
- reads a large query as date ranges at once, each checkpointed on its own (see
  `sync_run` and `history_ranges`), under a per-account cap that halves on 429.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from ..domain.credentials import Mode
from ..domain.errors import LoquentError, TwilioApiError
from ..domain.history_records import SyncCheckpointRecord, SyncOwner, UpsertCounts
from ..domain.records import PhoneNumberRecord
from ..store.column_types import utcnow
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.calls import CallRepository
from ..store.repositories.history_repository import HistoryRepository
from ..store.repositories.messages import MessageRepository
from ..store.repositories.sync_checkpoints import ALL, OVERLAP, SyncCheckpointRepository
from .account_limits import AccountLimiter, LimitSettings
from .history_kinds import HistoryKind, kind_named
from .history_ranges import RangePolicy
from .leases import Leases
from .sync_dates import day_of, held_since
from .sync_progress import SyncSummary, plural
from .sync_run import ProgressCallback, SyncRun
from .twilio_access import TwilioAccess

NO_SHARED_NUMBERS = (
    "No numbers are recorded for this organization yet. In Shared mode only the messages and "
    "calls of its own numbers are synced (Loquent's shared account also holds other "
    "organizations' history)."
)
STALE_RUN = (
    "The interrupted {noun} sync was begun for another Twilio account or mode (the "
    "organization was reconnected, or moved between its own account and Loquent's shared "
    "one), so it cannot be continued. Start a new sync instead."
)
NOT_ITS_NUMBERS = (
    "{numbers} {verb} not among this organization's numbers in Loquent. Choose from the "
    "list (numbers of a BYO account are imported on the Numbers tab)."
)
SHARED_SCOPE = (
    "This sync would read more than this organization's own numbers in Loquent's shared "
    "account ({scopes}), so it was stopped. Start a new sync."
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
    stale: bool = False  # an interrupted run for another account or mode (not resumable)
    elsewhere: str | None = None  # "on HOST (process N) since 10:02": another instance runs it

    def text(self) -> str:
        if self.elsewhere:
            return (
                f"A {self.kind[:-1]} sync for this organization is running {self.elsewhere}, "
                "in another window or on another computer sharing the database."
            )
        if self.running:
            return f"A {self.kind[:-1]} sync is running."
        if self.resumable and self.interrupted_at is not None:
            when = self.interrupted_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return (
                f"Interrupted on {when} after {plural(self.counts.seen, self.kind)} — "
                "Resume continues where it stopped."
            )
        prefix = (
            f"An interrupted {self.kind[:-1]} sync was for another Twilio account or mode and "
            "cannot be resumed. "
            if self.stale
            else ""
        )
        if self.synced_through is not None:
            when = self.synced_through.astimezone().strftime("%Y-%m-%d %H:%M")
            return f"{prefix}Synced up to {when}. The next run starts a day before that."
        return f"{prefix}No {self.kind} synced yet."


def _lease_name(org_id: int, kind: str) -> str:
    return f"sync:{kind}:{org_id}"


class HistorySyncService:
    def __init__(
        self,
        access: TwilioAccess,
        organizations: OrganizationRepository,
        phone_numbers: PhoneNumberRepository,
        messages: MessageRepository,
        calls: CallRepository,
        checkpoints: SyncCheckpointRepository,
        leases: Leases,
    ) -> None:
        self.access = access
        self.leases = leases
        self.organizations = organizations
        self.phone_numbers = phone_numbers
        self.repositories: dict[str, HistoryRepository] = {"messages": messages, "calls": calls}
        self.checkpoints = checkpoints
        self._running: set[tuple[int, str]] = set()
        # When a large query is cut into date ranges, and how many requests an account
        # gets at once (shared by every sync of that account in this process).
        self.range_policy = RangePolicy()
        self.limit_settings = LimitSettings()
        self._limiters: dict[str, AccountLimiter] = {}

    def limiter(self, account_sid: str) -> AccountLimiter:
        """The concurrency cap of one Twilio account's history requests."""
        found = self._limiters.get(account_sid)
        if found is None:
            found = self._limiters[account_sid] = AccountLimiter(self.limit_settings)
        return found

    # -- reads ---------------------------------------------------------------------------
    async def numbers(self, org_id: int) -> list[PhoneNumberRecord]:
        """The organization's numbers in Loquent's database, for choosing what to sync."""
        return await asyncio.to_thread(self.phone_numbers.list_for_org, org_id)

    def is_running(self, org_id: int, kind: str) -> bool:
        return (org_id, kind) in self._running

    async def owner(self, org_id: int) -> SyncOwner:
        """The account and mode a sync of the organization reads now (no network: the
        keychain and the database)."""
        return await asyncio.to_thread(self._owner, org_id)

    def _owner(self, org_id: int) -> SyncOwner:
        resolved = self.access.resolve_blocking(org_id)
        return SyncOwner(resolved.credentials.account_sid, resolved.mode is Mode.BYO)

    async def status(self, org_id: int, kind: str) -> SyncStatus:
        kind_named(kind)
        owner, run, every = await asyncio.to_thread(self._status_rows, org_id, kind)
        stale = False
        if owner is not None:
            every = [cp for cp in every if cp.owner == owner]
            if any(cp.owner != owner for cp in run):
                stale = any(cp.state != "completed" for cp in run)
                run = []
        pending = [cp for cp in run if cp.state != "completed"]
        counts = UpsertCounts()
        for cp in run:
            counts = counts + UpsertCounts.of(cp.counts)
        through = [cp.synced_through for cp in every if cp.synced_through is not None]
        other = await asyncio.to_thread(self.leases.held_elsewhere, _lease_name(org_id, kind))
        running = self.is_running(org_id, kind) or other is not None
        return SyncStatus(
            kind=kind,
            running=running,
            elsewhere=None if other is None else Leases.describe(other),
            resumable=bool(pending) and not running and owner is not None,
            interrupted_at=max((cp.updated_at for cp in pending), default=None),
            counts=counts,
            scopes=tuple(cp.scope for cp in run),
            synced_through=max(through, default=None),
            stale=stale and not running,
        )

    def _status_rows(
        self, org_id: int, kind: str
    ) -> tuple[SyncOwner | None, list[SyncCheckpointRecord], list[SyncCheckpointRecord]]:
        try:
            owner: SyncOwner | None = self._owner(org_id)
        except LoquentError:
            owner = None  # not connected: nothing can run now, and Start says why
        run = self.checkpoints.latest_run(org_id, kind)
        return owner, run, self.checkpoints.list_for_org(org_id, kind)

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
        run of the same kind is abandoned (its rows stay; Resume would have continued it).
        `since`: a moment, or a calendar day where the user is (see `day_of`)."""
        spec = kind_named(kind)
        async with self._exclusive(org_id, kind):
            owner = await self.owner(org_id)
            scopes = await self._scopes(org_id, owner, numbers)
            started = utcnow()
            first_day = None if since is None else day_of(since)
            run = await asyncio.to_thread(
                self._begin, org_id, kind, scopes, first_day, started, owner
            )
            return await self._execute(org_id, spec, run, progress, resumed=False)

    async def resume(
        self, org_id: int, kind: str, progress: ProgressCallback | None = None
    ) -> SyncSummary:
        """Carry on with the newest run from where it stopped, if it reads the account and
        mode the organization uses now."""
        spec = kind_named(kind)
        async with self._exclusive(org_id, kind):
            run = await asyncio.to_thread(self.checkpoints.latest_run, org_id, kind)
            pending = [cp.id for cp in run if cp.state != "completed"]
            if not pending:
                raise LoquentError(f"There is no interrupted {kind[:-1]} sync to resume.")
            owner = await self.owner(org_id)
            if any(cp.owner != owner for cp in run):
                raise LoquentError(STALE_RUN.format(noun=kind[:-1]))
            await asyncio.to_thread(self.checkpoints.set_state, pending, "running")
            return await self._execute(org_id, spec, run, progress, resumed=True)

    @asynccontextmanager
    async def _exclusive(self, org_id: int, kind: str) -> AsyncIterator[None]:
        """One run per organization and kind: in this process (a set), and across processes
        and computers sharing the database (a lease), so two never write one checkpoint."""
        if (org_id, kind) in self._running:
            raise LoquentError(f"A {kind[:-1]} sync for this organization is already running.")
        self._running.add((org_id, kind))
        try:
            org = await asyncio.to_thread(self.organizations.get, org_id)
            what = f"A {kind[:-1]} sync for {org.name}"
            async with self.leases.hold(_lease_name(org_id, kind), what):
                yield
        finally:
            self._running.discard((org_id, kind))

    async def _scopes(
        self, org_id: int, owner: SyncOwner, numbers: Sequence[str] | None
    ) -> list[str]:
        recorded = {n.phone_number for n in await self.numbers(org_id)}
        if numbers is not None:
            chosen = sorted({n.strip() for n in numbers if n.strip()})
            if not chosen:
                raise LoquentError("Choose at least one number to sync.")
            foreign = [n for n in chosen if n not in recorded]
            if foreign:
                verb = "is" if len(foreign) == 1 else "are"
                raise LoquentError(NOT_ITS_NUMBERS.format(numbers=", ".join(foreign), verb=verb))
            return chosen
        if owner.byo:
            return [ALL]
        if not recorded:
            raise LoquentError(NO_SHARED_NUMBERS)
        return sorted(recorded)

    def _begin(
        self,
        org_id: int,
        kind: str,
        scopes: list[str],
        since: datetime | None,
        started: datetime,
        owner: SyncOwner,
    ) -> list[SyncCheckpointRecord]:
        since_by_scope: dict[str, datetime | None] = {}
        for scope in scopes:
            previous = self.checkpoints.get(org_id, kind, scope)
            start = since
            if (
                start is None
                and previous is not None
                and previous.owner == owner  # another account's reach says nothing here
                and previous.synced_through is not None
            ):
                start = day_of(previous.synced_through - OVERLAP)
            since_by_scope[scope] = start
        return self.checkpoints.begin_run(org_id, kind, since_by_scope, started, owner)

    @staticmethod
    def _bounds(
        run: list[SyncCheckpointRecord], owner: SyncOwner, numbers: Sequence[PhoneNumberRecord]
    ) -> dict[str, datetime]:
        """Check the run reads only what is the organization's, and return each scope's
        lower time bound (Shared numbers: when the organization got them). The checks
        repeat what `start` and `resume` made sure of, right before the first request:
        the organization may have been switched in between."""
        if any(cp.owner != owner for cp in run):
            raise LoquentError(STALE_RUN.format(noun=run[0].kind[:-1]))
        if owner.byo:
            return {}
        held = held_since(numbers)
        outside = [cp.scope for cp in run if cp.scope not in held]  # "all" never is
        if outside:
            raise LoquentError(SHARED_SCOPE.format(scopes=", ".join(outside)))
        return held

    async def _execute(
        self,
        org_id: int,
        spec: HistoryKind,
        run: list[SyncCheckpointRecord],
        progress: ProgressCallback | None,
        resumed: bool,
    ) -> SyncSummary:

        async def prepare() -> SyncRun:
            account, resolved = await self.access.account_for(org_id)
            owner = SyncOwner(resolved.credentials.account_sid, resolved.mode is Mode.BYO)
            numbers = await self.numbers(org_id)
            bounds = self._bounds(run, owner, numbers)
            own = frozenset(n.phone_number for n in numbers)
            return SyncRun(
                spec,
                self.repositories[spec.name],
                self.checkpoints,
                account.history_pages,
                org_id,
                own,
                run,
                progress,
                learn_own=owner.byo,
                bounds=bounds,
                limiter=self.limiter(owner.account_sid),
                ranges=self.range_policy,
            )

        return await self._run(spec, run, resumed, prepare)

    async def _run(
        self,
        spec: HistoryKind,
        run: list[SyncCheckpointRecord],
        resumed: bool,
        prepare: Callable[[], Awaitable[SyncRun]],
    ) -> SyncSummary:
        """Carry out the `SyncRun` that `prepare` builds; whatever stops it (cancel, a Twilio
        error, a crash of our own) leaves the run's checkpoints resumable."""
        began = time.monotonic()
        pending = [cp.id for cp in run if cp.state != "completed"]
        try:
            sync = await prepare()
            try:
                await sync.execute()
            finally:
                await asyncio.shield(sync.settle())
        except BaseException as exc:
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
