"""Fault injection: make the next N matching requests slow, throttled, failing or lost.

Tests use it to prove the app retries only what is safe: a 429 was never processed, a
5xx on a POST may or may not have been, and a dropped connection after a purchase
("drop_after") means the number is bought but the app never saw the answer.

Kinds:
  latency     sleep ``latency`` seconds, then serve normally
  429         answer 429 / 20429 with a ``Retry-After`` header, do nothing
  500, 503    answer a Twilio-shaped 5xx, do nothing
  drop        close the connection before processing (nothing changes)
  drop_after  process the request (state changes), then close without answering
  truncate    process the request (state changes), then answer with half of its JSON body
              (a proxy or a dropped connection that cut the answer short)
  repeat_page serve normally, but a list page's next-page link names the page itself
"""

from __future__ import annotations

import fnmatch
import re
import threading
from dataclasses import dataclass

KINDS = ("latency", "429", "500", "503", "drop", "drop_after", "truncate", "repeat_page")


@dataclass
class FaultRule:
    pattern: str | re.Pattern[str]
    kind: str
    remaining: int
    latency: float = 0.0
    retry_after: float = 1.0
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if isinstance(self.pattern, re.Pattern):
            return bool(self.pattern.search(path))
        return fnmatch.fnmatchcase(path, self.pattern)


class Faults:
    """Thread-safe list of pending faults plus a latency added to every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.global_latency: float = 0.0

    def add(
        self,
        pattern: str | re.Pattern[str],
        kind: str,
        count: int = 1,
        latency: float = 0.0,
        retry_after: float = 1.0,
        method: str | None = None,
    ) -> FaultRule:
        """Apply ``kind`` to the next ``count`` requests whose path matches ``pattern``.

        ``pattern`` is a glob on the URL path (``*/IncomingPhoneNumbers*``), a compiled
        regex, or a string starting with ``re:`` that is compiled as a regex.
        """
        kind = str(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if isinstance(pattern, str) and pattern.startswith("re:"):
            pattern = re.compile(pattern[3:])
        rule = FaultRule(pattern, kind, count, latency, retry_after, method)
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule with uses left, consuming one use of it."""
        with self._lock:
            for rule in self._rules:
                if rule.remaining > 0 and rule.matches(method, path):
                    rule.remaining -= 1
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.global_latency = 0.0

    def pending(self) -> list[FaultRule]:
        with self._lock:
            return [r for r in self._rules if r.remaining > 0]
