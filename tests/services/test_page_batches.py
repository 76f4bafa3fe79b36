"""The sync's batch writer: pages ready together share a transaction, a cancelled reader's
page is either never written or written whole, and a failed batch fails each of its
readers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from loquent_desktop.services.page_batches import BatchWriter


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


class Store:
    """Writes on the worker thread; `gate` holds a batch inside its write."""

    def __init__(self, hold: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.after: list[str] = []
        self.gate = threading.Event()
        self.inside = threading.Event()
        if not hold:
            self.gate.set()

    def write(self, batch: Sequence[str]) -> list[str]:
        self.inside.set()
        assert self.gate.wait(10)
        if "bad" in batch:
            raise ValueError("refused")
        self.batches.append(list(batch))
        return [f"{entry}!" for entry in batch]

    def done(self, entry: str, result: str) -> None:
        assert result == f"{entry}!"
        self.after.append(entry)


async def _inside(store: Store) -> None:
    while not store.inside.is_set():
        await asyncio.sleep(0.005)


def test_pages_that_wait_go_into_one_batch_in_order() -> None:
    async def scenario() -> None:
        store = Store(hold=True)
        writer: BatchWriter[str, str] = BatchWriter(store.write, store.done, max_batch=3)
        first = asyncio.ensure_future(writer.put("a"))
        await _inside(store)  # "a" is being written: the rest queue up behind it
        rest = [asyncio.ensure_future(writer.put(x)) for x in "bcde"]
        await asyncio.sleep(0.01)
        store.gate.set()
        assert await asyncio.gather(first, *rest) == ["a!", "b!", "c!", "d!", "e!"]
        assert store.batches == [["a"], ["b", "c", "d"], ["e"]]
        assert store.after == ["a", "b", "c", "d", "e"]

    run(scenario())


def test_only_entries_that_join_share_a_batch() -> None:
    async def scenario() -> None:
        store = Store(hold=True)
        writer: BatchWriter[str, str] = BatchWriter(
            store.write, store.done, joins=lambda a, b: a[0] == b[0]
        )
        first = asyncio.ensure_future(writer.put("x0"))
        await _inside(store)
        rest = [asyncio.ensure_future(writer.put(x)) for x in ("a1", "b1", "a2", "b2")]
        await asyncio.sleep(0.01)
        store.gate.set()
        await asyncio.gather(first, *rest)
        assert store.batches == [["x0"], ["a1", "a2"], ["b1", "b2"]]

    run(scenario())


def test_a_cancelled_reader_whose_page_waits_writes_nothing() -> None:
    async def scenario() -> None:
        store = Store(hold=True)
        writer: BatchWriter[str, str] = BatchWriter(store.write, store.done)
        first = asyncio.ensure_future(writer.put("a"))
        await _inside(store)
        waiting = asyncio.ensure_future(writer.put("b"))
        await asyncio.sleep(0.01)
        waiting.cancel()
        await asyncio.sleep(0.01)
        store.gate.set()
        assert await first == "a!"
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await writer.settle()
        assert store.batches == [["a"]]
        assert store.after == ["a"]

    run(scenario())


def test_a_cancelled_reader_whose_page_is_being_written_waits_for_it() -> None:
    async def scenario() -> None:
        store = Store(hold=True)
        writer: BatchWriter[str, str] = BatchWriter(store.write, store.done)
        reader = asyncio.ensure_future(writer.put("a"))
        await _inside(store)
        reader.cancel()
        await asyncio.sleep(0.01)
        assert not reader.done()  # still waiting for its page to be in
        store.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await reader
        assert store.batches == [["a"]]
        assert store.after == ["a"]  # its totals and progress still count the page

    run(scenario())


def test_a_failed_batch_fails_each_of_its_readers_and_the_next_batch_goes_on() -> None:
    async def scenario() -> None:
        store = Store(hold=True)
        writer: BatchWriter[str, str] = BatchWriter(store.write, store.done, max_batch=2)
        first = asyncio.ensure_future(writer.put("a"))
        await _inside(store)
        rest = [asyncio.ensure_future(writer.put(x)) for x in ("bad", "c", "d")]
        await asyncio.sleep(0.01)
        store.gate.set()
        outcomes = await asyncio.gather(first, *rest, return_exceptions=True)
        assert outcomes[0] == "a!"
        assert [type(o) for o in outcomes[1:3]] == [ValueError, ValueError]
        assert outcomes[3] == "d!"
        assert store.batches == [["a"], ["d"]]

    run(scenario())


def test_an_error_after_the_write_reaches_only_its_reader() -> None:
    async def scenario() -> None:
        store = Store()

        def after(entry: str, result: str) -> None:
            if entry == "b":
                raise RuntimeError("progress callback failed")
            store.done(entry, result)

        writer: BatchWriter[str, str] = BatchWriter(store.write, after)
        outcomes = await asyncio.gather(
            writer.put("a"), writer.put("b"), writer.put("c"), return_exceptions=True
        )
        assert outcomes[0] == "a!" and outcomes[2] == "c!"
        assert isinstance(outcomes[1], RuntimeError)
        assert store.after == ["a", "c"]

    run(scenario())
