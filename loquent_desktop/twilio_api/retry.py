"""When a failed Twilio request may be sent again.

429 means Twilio did not process the request, so it is always safe to repeat (after the
Retry-After it asks for). A 5xx or a timeout may hide a request that *was* processed, so only
GETs are repeated: repeating a POST could buy a number twice.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass


async def wait_at_least(seconds: float) -> None:
    """Sleep `seconds` or a little more, never less: Retry-After is a minimum, and on the qasync
    loop a sleep is a coarse Qt timer that may fire up to 5% early (a 300 ms wait measured
    299.6 ms, and a request sent that early may meet another 429)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(left)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    jitter: float = 0.25  # fraction of the delay added at random, so clients do not stampede

    # A request that timed out already made the user wait a whole timeout: try it once more,
    # not max_attempts times (4 x 30 s would be two minutes of a spinner).
    max_timeout_attempts: int = 2

    def should_retry(
        self, method: str, status: int | None, attempt: int, timed_out: bool = False
    ) -> bool:
        """`status` None means no response arrived (timeout or dropped connection)."""
        if attempt >= self.max_attempts:
            return False
        if status == 429:
            return True
        if method.upper() != "GET":
            return False
        if timed_out:
            return attempt < self.max_timeout_attempts
        return status is None or status >= 500

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        backoff = self.base_delay_s * (2 ** (attempt - 1))
        asked = _parse_retry_after(retry_after)
        wait = min(max(backoff, asked), self.max_delay_s)
        return wait + random.uniform(0, wait * self.jitter)


def _parse_retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0  # an HTTP date: rare from Twilio; the exponential backoff covers it
