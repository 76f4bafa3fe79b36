"""The test harness's asyncio loop: callbacks Qt delivers outside `run_until_complete`.

pytest-qt calls `processEvents()` after every test phase; a task step pending then must
still see its running loop (aiohttp asks for it), or window tests fail at random under load.
"""

from __future__ import annotations

import asyncio
import time


def test_a_task_stepped_by_processevents_sees_its_running_loop(qapp, qloop) -> None:  # type: ignore[no-untyped-def]
    seen: list[asyncio.AbstractEventLoop] = []

    async def probe() -> None:
        seen.append(asyncio.get_running_loop())  # what aiohttp does when it opens a request

    task = qloop.create_task(probe())  # its first step is queued as a Qt timer event
    deadline = time.monotonic() + 10
    while not task.done() and time.monotonic() < deadline:
        qapp.processEvents()  # as pytest-qt does after setup, call and teardown
    assert task.done(), "the step was never delivered"
    assert task.exception() is None, task.exception()
    assert seen == [qloop]
    assert asyncio.events._get_running_loop() is None  # left as it was found
