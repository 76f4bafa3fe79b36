"""Writing the pages a sync's readers have ready together, one batch at a time.

A ranged sync has a dozen readers; each hands its converted page over and waits until it
is in the database before it reads on. Pages that arrive while a batch is being written
wait in a queue and go into the next batch: one transaction for all of them, so the
indexes they touch are written once per batch instead of once per page (see
`HistoryRepository.write_pages`). With one reader a batch is one page, as before.

Cancelling a reader takes its page out of the queue if no batch has taken it yet (nothing
of it is written); a page whose batch is being written is waited for and then the cancel
goes on, so a run always stops at a page boundary with its checkpoint saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

E = TypeVar("E")  # what a reader queues
R = TypeVar("R")  # what writing it gives back

MAX_BATCH = 8  # pages a transaction: beyond this the gain is small and a batch holds ~10 MB


@dataclass(eq=False)
class _Queued(Generic[E, R]):
    entry: E
    done: asyncio.Future[R] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BatchWriter(Generic[E, R]):
    """`write` runs on a worker thread with a batch (in queue order) and returns a result
    per entry; `after` then runs on the event loop for each entry in order, before its
    reader resumes (totals, progress). `joins(a, b)`: whether b may share a's batch."""

    def __init__(
        self,
        write: Callable[[Sequence[E]], Sequence[R]],
        after: Callable[[E, R], None],
        joins: Callable[[E, E], bool] = lambda a, b: True,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._write = write
        self._after = after
        self._joins = joins
        self._max = max_batch
        self._queue: list[_Queued[E, R]] = []
        self._task: asyncio.Future[None] | None = None
        self._writing: set[asyncio.Future[Any]] = set()

    async def put(self, entry: E) -> R:
        """Queue `entry` and wait until it is written; its result."""
        queued: _Queued[E, R] = _Queued(entry)
        self._queue.append(queued)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._drain())
        try:
            return await asyncio.shield(queued.done)
        except asyncio.CancelledError:
            if queued in self._queue:  # no batch took it: nothing of it is written
                self._queue.remove(queued)
            else:  # being written: let it finish, then stop
                await asyncio.gather(queued.done, return_exceptions=True)
            raise

    async def settle(self) -> None:
        """Wait for a batch still being written on its thread."""
        pending = [f for f in self._writing if not f.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def _take(self) -> list[_Queued[E, R]]:
        first = self._queue[0]
        batch = [first]
        for queued in self._queue[1:]:
            if len(batch) >= self._max:
                break
            if self._joins(first.entry, queued.entry):
                batch.append(queued)
        for queued in batch:
            self._queue.remove(queued)
        return batch

    async def _drain(self) -> None:
        while self._queue:
            batch = self._take()
            entries = [queued.entry for queued in batch]
            work = asyncio.ensure_future(asyncio.to_thread(self._write, entries))
            self._writing.add(work)
            work.add_done_callback(self._writing.discard)
            try:
                # Shielded: the batch's transaction always ends, committed or rolled back.
                results = await asyncio.shield(work)
            except asyncio.CancelledError:  # the loop is closing: let the write end first
                await asyncio.gather(work, return_exceptions=True)
                for queued in batch:
                    _fail(queued.done, asyncio.CancelledError())
                raise
            except Exception as err:  # rolled back: each of its readers fails with it
                for queued in batch:
                    _fail(queued.done, err)
                continue
            for queued, result in zip(batch, results, strict=True):
                if queued.done.done():
                    continue  # its reader is gone (cancelled while this batch was written)
                try:
                    self._after(queued.entry, result)
                except BaseException as err:  # a progress callback's error is its reader's
                    _fail(queued.done, err)
                else:
                    queued.done.set_result(result)


def _fail(future: asyncio.Future[Any], err: BaseException) -> None:
    if future.done():
        return
    if isinstance(err, asyncio.CancelledError):
        future.cancel()
    else:
        future.set_exception(err)
