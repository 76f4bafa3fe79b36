"""Retry-After is a minimum: a wait on the app's qasync loop never ends before it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from loquent_desktop.twilio_api.retry import wait_at_least


def test_waits_on_the_qt_loop_never_end_early(qloop) -> None:  # type: ignore[no-untyped-def]
    async def measure(wait: Callable[[float], Awaitable[None]]) -> list[float]:
        took = []
        for _ in range(8):
            began = time.monotonic()
            await wait(0.1)
            took.append(time.monotonic() - began)
        return took

    # The control: a plain sleep is a coarse Qt timer here, and often fires a little early;
    # were it never early, this test would prove nothing about wait_at_least.
    plain = qloop.run_until_complete(measure(asyncio.sleep))
    waited = qloop.run_until_complete(measure(wait_at_least))
    assert min(waited) >= 0.1, waited
    assert max(waited) < 0.1 + 5, waited  # bounded: it does not wait much more either
    print(f"plain sleeps that ended early: {sum(t < 0.1 for t in plain)} of {len(plain)}")
