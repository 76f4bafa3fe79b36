"""Changes to one Twilio account's event streams take turns, from the plan to the end of its
execution.

The SMS and call streams may share one sink, and several organizations may be connected to
the same account: a second change must plan from what the first left behind, or both would
create a sink. So `prepare_…` takes the account's turn before it reads, and the turn lasts
until the plan runner is done with the change (`PlannedChange.release`): applied, failed or
cancelled.

A plan that never reaches the runner must not keep the account's turn for ever, so the turn
also ends with the task that prepared it. A change applied after its turn ended takes a new
one to run; it was planned outside the turn, but its execution reads the account again first
and stops if the account changed since the plan.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turn:
    """One account's turn, held by one prepared change."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = True
        self._running = False

    def end(self) -> None:
        """Let the next change of the account go ahead (once; later calls do nothing). A
        running execution keeps the turn until it ends."""
        if self._held and not self._running:
            self._held = False
            self._lock.release()

    @asynccontextmanager
    async def for_execution(self) -> AsyncIterator[None]:
        """Hold the account's turn while the confirmed change runs: this one if it is still
        held, else a new one; it ends with the execution."""
        if not self._held:
            async with self._lock:
                yield
            return
        self._running = True
        try:
            yield
        finally:
            self._running = False
            self.end()


class ChangeTurns:
    def __init__(self) -> None:
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def take(self, account: str) -> Turn:
        """Wait for the turn of `account` (a key naming one Twilio account)."""
        lock = self._locks[account]
        await lock.acquire()
        turn = Turn(lock)
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _task: turn.end())
        return turn
