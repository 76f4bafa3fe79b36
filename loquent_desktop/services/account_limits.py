"""How many history requests one Twilio account gets at a time, and backing off on 429.

Twilio limits the concurrent requests of an account (it answers 429 "Too Many Requests"
past the limit), and the account may be busy with other clients too: Loquent's shared
account serves every Shared organization. A sync therefore reads its date ranges under a
cap shared by every sync of the account in this process. A 429 that reaches the sync
(after the HTTP client's own Retry-After retries) halves the cap; it grows back by one
after as many successful requests as the cap allows, so a brief burst of 429s does not
slow the rest of a long sync to one request at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from ..domain.errors import TwilioApiError

# Twilio allows about 100 concurrent requests per account; a sync takes a small share of
# that, leaving the rest to the app's other views and to other clients of the account.
DEFAULT_CAP = 8
T = TypeVar("T")


@dataclass
class LimitSettings:
    cap: int = DEFAULT_CAP
    max_attempts: int = 6  # a page that keeps meeting 429 fails the run (resumable)
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0


class AccountLimiter:
    def __init__(self, settings: LimitSettings | None = None) -> None:
        self.settings = settings or LimitSettings()
        self.limit = self.settings.cap
        self.active = 0
        self.throttles = 0  # 429s seen, for tests and the bench
        self._successes = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: self.active < self.limit)
            self.active += 1
        try:
            yield
        finally:
            async with self._changed:
                self.active -= 1
                self._changed.notify_all()

    def throttled(self) -> None:
        self.throttles += 1
        self.limit = max(1, self.limit // 2)
        self._successes = 0

    def succeeded(self) -> None:
        if self.limit >= self.settings.cap:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            self.limit += 1


async def limited(limiter: AccountLimiter, make: Callable[[], Awaitable[T]]) -> T:
    """Send the request `make` builds under the account's cap; on 429, halve the cap, wait
    and send it again (a 429 was never processed: repeating a GET is always safe)."""
    attempt = 0
    while True:
        attempt += 1
        async with limiter.slot():
            try:
                result = await make()
            except TwilioApiError as err:
                # A page cut short is read again (a GET), once: the HTTP client retried it
                # already unless the cut looked like a whole answer.
                if err.kind == "malformed" and attempt < 2:
                    continue
                if err.status != 429 or attempt >= limiter.settings.max_attempts:
                    raise
                limiter.throttled()
            else:
                limiter.succeeded()
                return result
        s = limiter.settings
        await asyncio.sleep(min(s.max_delay_s, s.base_delay_s * 2 ** (attempt - 1)))
