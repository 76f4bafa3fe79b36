"""Numbers and Voice routing, live when Twilio answers and last known when it cannot be reached.

Each successful live read is also written to the database (off the event loop) with its time
and account (a read equal to the one this service stored last only moves the stored time);
when the next read fails because Twilio cannot be reached (see
`domain.last_known.is_unreachable`), the tab gets that last known state instead, marked with
its age. Other failures (bad credentials, a refusal) are raised as before: old data would
hide them. Where nothing was stored by a read yet, imported numbers still have what the
import copied.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ..domain.last_known import Freshness, Reading, is_unreachable
from ..domain.numbers import OwnedNumber
from ..domain.records import PhoneNumberRecord
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import NumberRouting
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.last_known import OWNED, VOICE, LastKnownRepository
from .numbers import NumbersService
from .twilio_access import TwilioAccess
from .voice_routing import VoiceRoutingService
from .voice_routing_plans import routing_from_record

log = logging.getLogger(__name__)

NOT_READ = "Not read from Twilio yet, and Twilio cannot be reached now."
STORE_DELAY_S = 0.15  # a live read is stored this long after it is handed over
_DATES = ("date_created", "date_updated")
_OWNED_FIELDS = tuple(f.name for f in dataclasses.fields(OwnedNumber))
_VOICE_FIELDS = tuple(f.name for f in dataclasses.fields(VoiceConfig))


def to_json(value: OwnedNumber | VoiceConfig, sid: str | None = None) -> dict[str, Any]:
    """The fields of `value`, JSON-ready, with the number's "sid". A copy of the instance's
    fields, not `dataclasses.asdict`: many times faster, which counts at 10,000 numbers."""
    data = dict(vars(value))  # exactly the fields, in their order (no slots, no extras)
    for name in _DATES:
        if isinstance(data.get(name), datetime):
            data[name] = data[name].isoformat()
    if isinstance(value, OwnedNumber):
        data["capabilities"] = dict(value.capabilities)
    else:
        data["sid"] = sid
    return data


def _dates(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = dict(data)
    for name in names:
        if isinstance(out.get(name), str):
            out[name] = datetime.fromisoformat(out[name])
    return out


def owned_from_json(data: dict[str, Any]) -> OwnedNumber:
    return OwnedNumber(**_dates({k: data.get(k) for k in _OWNED_FIELDS if k in data}, _DATES))


def config_from_json(data: dict[str, Any]) -> VoiceConfig:
    return VoiceConfig(**_dates({k: data.get(k) for k in _VOICE_FIELDS if k in data}, _DATES))


def owned_from_record(record: PhoneNumberRecord) -> OwnedNumber:
    """An imported number as the import copied it."""
    values = {name: getattr(record, name) for name in _OWNED_FIELDS}
    values["capabilities"] = dict(record.capabilities or {})
    return OwnedNumber(**values)


def _oldest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)


class LastKnownService:
    def __init__(
        self,
        access: TwilioAccess,
        repository: LastKnownRepository,
        numbers: NumbersService,
        voice: VoiceRoutingService,
        phone_numbers: PhoneNumberRepository,
        organizations: OrganizationRepository,
        default_voice_url: str,
    ) -> None:
        self.access = access
        self.repository = repository
        self.numbers = numbers
        self.voice = voice
        self.phone_numbers = phone_numbers
        self.organizations = organizations
        self.default_voice_url = default_voice_url
        self._writes: set[asyncio.Future[None]] = set()
        # What this service stored last per (organization, kind, account), and when: a
        # Refresh that reads the same again need not rewrite it.
        self._stored: dict[tuple[int, str, str], tuple[Sequence[Any], datetime]] = {}

    def _remember(
        self,
        org_id: int,
        kind: str,
        account_sid: str,
        read: Sequence[Any],
        rows: Callable[[], Sequence[dict[str, Any]]],
        read_at: datetime,
    ) -> None:
        """Store a live read on a worker thread, after it is shown: the tab need not wait
        for the database (10,000 numbers take a few tenths of a second, most of it one
        JSON encoding that holds the GIL). `read` is compared with the last read stored;
        `rows()` is what is stored when it differs."""
        key = (org_id, kind, account_sid)

        def write() -> None:
            last = self._stored.get(key)
            touched = (
                last is not None
                and last[1] < read_at
                and last[0] == read
                and self.repository.touch(org_id, kind, account_sid, last[1], read_at)
            )
            if not touched:
                self.repository.replace(org_id, kind, account_sid, rows(), read_at)
            latest = self._stored.get(key)
            if latest is None or latest[1] < read_at:
                self._stored[key] = (read, read_at)

        task = asyncio.ensure_future(self._store_later(write))
        self._writes.add(task)
        task.add_done_callback(self._written)

    @staticmethod
    async def _store_later(write: Callable[[], None]) -> None:
        # The caller shows the read first (a 10,000-row table model reset and paint); on a
        # worker thread at the same moment, comparing or encoding the read competes with
        # it for the GIL and doubled that time.
        await asyncio.sleep(STORE_DELAY_S)
        await asyncio.to_thread(write)

    def _written(self, task: asyncio.Future[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Only the offline fallback is lost; the live read on screen is fine.
            log.warning("Could not store the last known state: %s", task.exception())

    async def flush(self) -> None:
        """Wait for the live reads still being stored (before reading them back, or before
        the database closes)."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def _account_sid(self, org_id: int) -> str:
        # Resolving credentials is local (database and keychain): it works offline.
        return (await self.access.resolve(org_id)).credentials.account_sid

    # -- Numbers ----------------------------------------------------------------------------

    async def owned_numbers(
        self, org_id: int, progress: Callable[[int, int], None] | None = None
    ) -> Reading[list[OwnedNumber]]:
        """The organization's owned numbers (see `NumbersService.list_owned`), or the last
        known list when Twilio cannot be reached."""
        try:
            owned = await self.numbers.list_owned(org_id, progress)
        except Exception as err:
            if not is_unreachable(err):
                raise
            return await self._owned_offline(org_id, err)
        account_sid, now = await self._account_sid(org_id), datetime.now(UTC)
        self._remember(org_id, OWNED, account_sid, owned, lambda: [to_json(n) for n in owned], now)
        return Reading(owned, Freshness(True, now))

    async def _owned_offline(self, org_id: int, err: Exception) -> Reading[list[OwnedNumber]]:
        await self.flush()
        account_sid = await self._account_sid(org_id)

        def load() -> tuple[list[OwnedNumber], datetime | None]:
            stored = self.repository.load(org_id, OWNED, account_sid)
            if stored:
                return [owned_from_json(d) for d in stored.rows.values()], stored.read_at
            records = self.phone_numbers.list_for_org(org_id)
            return [owned_from_record(r) for r in records], _oldest(
                *(r.imported_at for r in records)
            )

        owned, read_at = await asyncio.to_thread(load)
        if not owned:
            raise err  # nothing to show instead: the failure itself is the answer
        return Reading(owned, Freshness(False, read_at, str(err)))

    # -- Voice routing ----------------------------------------------------------------------

    async def voice_overview(self, org_id: int) -> Reading[list[NumberRouting]]:
        """Every imported number with its live voice configuration (see
        `VoiceRoutingService.overview`), or the last known one when Twilio cannot be reached."""
        try:
            numbers = await self.voice.overview(org_id)
        except Exception as err:
            if not is_unreachable(err):
                raise
            return await self._voice_offline(org_id, err)
        account_sid, now = await self._account_sid(org_id), datetime.now(UTC)

        live = [(n.sid, n.live) for n in numbers if n.live is not None]

        def rows() -> list[dict[str, Any]]:
            return [to_json(config, sid) for sid, config in live]

        self._remember(org_id, VOICE, account_sid, live, rows, now)
        return Reading(numbers, Freshness(True, now))

    async def _voice_offline(self, org_id: int, err: Exception) -> Reading[list[NumberRouting]]:
        await self.flush()
        account_sid = await self._account_sid(org_id)
        others = (self.default_voice_url,)

        def load() -> tuple[list[NumberRouting], datetime | None]:
            org = self.organizations.get(org_id)
            url = org.effective_voice_url(self.default_voice_url)
            records = self.phone_numbers.list_for_org(org_id)
            voice = self.repository.load(org_id, VOICE, account_sid)
            owned = self.repository.load(org_id, OWNED, account_sid)
            numbers: list[NumberRouting] = []
            used: list[datetime | None] = []
            # Both reads hold voice configurations: the newer one wins.
            voice_first = owned.read_at is None or (
                voice.read_at is not None and voice.read_at >= owned.read_at
            )
            for record in records:
                in_voice, in_owned = record.sid in voice.rows, record.sid in owned.rows
                if in_voice and (voice_first or not in_owned):
                    config, when = config_from_json(voice.rows[record.sid]), voice.read_at
                elif in_owned:
                    config = VoiceConfig.of(owned_from_json(owned.rows[record.sid]))
                    when = owned.read_at
                else:  # never read by either tab: what the import copied
                    config, when = VoiceConfig.of(record), record.imported_at
                used.append(when)
                problem = None if when is not None else NOT_READ
                live = config if when is not None else None
                numbers.append(routing_from_record(record, url, live, problem, others))
            return numbers, _oldest(*used)

        numbers, read_at = await asyncio.to_thread(load)
        if not numbers:
            raise err
        return Reading(numbers, Freshness(False, read_at, str(err)))
