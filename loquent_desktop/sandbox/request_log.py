"""A record of every request the emulator received, for tests to assert on.

Tests check what the app actually sent ("cancel means zero writes", "the purchase carried
AddressSid", "this call used the API key", "media storage never got credentials").
Records hold form values as sent, so a test can read them; the emulator itself never writes
this log anywhere.

Recording media requests are logged too, marked with `media`: they are not REST resources
(Twilio's API specs do not describe them, so the contract check skips them), but what was
sent to which host is exactly what a test of "credentials only to Twilio's api host" reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]  # last value per key; see query_multi for repeats
    form: dict[str, str]
    status: int | None = None  # None when the connection was dropped before answering
    auth_username: str | None = None
    fault: str | None = None  # the fault kind applied, if any
    duration: float = 0.0  # seconds the server spent, from receipt to the encoded response
    query_multi: dict[str, list[str]] = field(default_factory=dict)
    form_multi: dict[str, list[str]] = field(default_factory=dict)
    # Recording media: "api" (Twilio's api host, answers with a redirect) or "storage" (the
    # media host it redirects to, which must never receive credentials); None otherwise.
    media: str | None = None
    authorization: bool = False  # an Authorization header came (of any scheme); media only
    range: str | None = None  # the Range header (a resumed download); media only

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


Watcher = Callable[[RequestRecord], None]


class RequestLog:
    """Append-only, thread-safe list of ``RequestRecord``.

    `watchers` (class-wide) see every request of every emulator as it arrives, even ones a
    test later clears from the log: the test suite's contract check is one."""

    watchers: ClassVar[list[Watcher]] = []

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
        for watch in list(RequestLog.watchers):
            watch(record)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        # Iterate over a copy so a test can read while the server appends.
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    def filter(
        self, method: str | None = None, path_contains: str | None = None
    ) -> list[RequestRecord]:
        return [
            r
            for r in self.snapshot()
            if (method is None or r.method == method.upper())
            and (path_contains is None or path_contains in r.path)
        ]
