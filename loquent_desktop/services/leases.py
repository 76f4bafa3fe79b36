"""Holding a lease while long work runs, so only one window, process or computer sharing
the database runs a given sync or bulk change for an organization at a time.

The lease is renewed in the background while the work runs. If it is lost anyway (this
process stalled for longer than the lease lasts and another one took over), the work is
cancelled rather than allowed to run twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from ..domain.errors import RunningElsewhere
from ..domain.records import LeaseRecord
from ..store.column_types import utcnow
from ..store.repositories.leases import LeaseRepository, LeaseTaken, process_alive

log = logging.getLogger(__name__)

HOST = socket.gethostname() or "another computer"
_identity: tuple[int, str] | None = None


def this_process() -> tuple[int, str]:
    """(pid, holder) of the running process. One holder per process: two windows of one
    process share it and are kept apart by the services' own in-process guards; two
    processes never share it, also when one was forked from the other after import."""
    global _identity
    pid = os.getpid()
    if _identity is None or _identity[0] != pid:
        _identity = (pid, f"{HOST}:{pid}:{uuid.uuid4().hex[:12]}")
    return _identity


class Leases:
    def __init__(
        self,
        repository: LeaseRepository,
        ttl: timedelta = timedelta(seconds=60),
        renew_every_s: float = 15.0,
        holder: str | None = None,
    ) -> None:
        self.repository = repository
        self.ttl = ttl
        self.renew_every_s = renew_every_s
        self._holder = holder

    @property
    def holder(self) -> str:
        """Who we are in the lease table: given (tests), else this process."""
        return self._holder or this_process()[1]

    @asynccontextmanager
    async def hold(self, name: str, what: str) -> AsyncIterator[None]:
        """Run the body holding lease `name`; `what` names the work for the message another
        instance gets ("A message sync for Acme")."""
        try:
            await asyncio.to_thread(
                self.repository.acquire, name, self.holder, HOST, this_process()[0], self.ttl
            )
        except LeaseTaken as taken:
            current = taken.current
            since = current.acquired_at.astimezone().strftime("%H:%M")
            raise RunningElsewhere(what, current.host, current.pid, since) from None
        owner = asyncio.current_task()
        renewal = asyncio.ensure_future(self._keep(name, owner))
        try:
            yield
        finally:
            renewal.cancel()
            await asyncio.gather(renewal, return_exceptions=True)
            try:
                await asyncio.shield(asyncio.to_thread(self.repository.release, name, self.holder))
            except Exception:  # it lapses by itself a minute later
                log.warning("Could not release lease %s", name, exc_info=True)

    def held_elsewhere(self, name: str) -> LeaseRecord | None:
        """The lease on `name` if another instance holds it now (blocking: call it from a
        worker thread). A lapsed lease, or our own, is None."""
        current = self.repository.get(name)
        if current is None or current.holder == self.holder or current.expires_at < utcnow():
            return None
        if current.host == HOST and not process_alive(current.pid):
            return None  # it crashed on this computer: the next run takes the lease over
        return current

    @staticmethod
    def describe(current: LeaseRecord) -> str:
        """Where and since when, for a status line: "on HOST (process N) since 10:02"."""
        since = current.acquired_at.astimezone().strftime("%H:%M")
        return f"on {current.host} (process {current.pid}) since {since}"

    async def _keep(self, name: str, owner: asyncio.Task[object] | None) -> None:
        while True:
            await asyncio.sleep(self.renew_every_s)
            try:
                kept = await asyncio.to_thread(self.repository.renew, name, self.holder, self.ttl)
            except Exception:  # the database is unreachable: try again at the next beat
                log.warning("Could not renew lease %s", name, exc_info=True)
                continue
            if not kept:
                log.error("Lease %s was taken over by another instance: stopping", name)
                if owner is not None:
                    owner.cancel()
                return
