"""Live or last known: whether what a tab shows was just read from Twilio, or is what Loquent
last saw because Twilio cannot be reached, and how old it is.

"Cannot be reached" is a network failure, a timeout or a server error that outlasted the
retries. A 401 is not: the credentials are wrong, and old data would hide that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from .errors import TwilioApiError

T = TypeVar("T")

CHANGES_NEED_LIVE = (
    "Twilio could not be reached, so this shows what Loquent last saw. Changes to the "
    "account are possible again once Refresh (F5) reads Twilio live."
)


def is_unreachable(err: BaseException) -> bool:
    """Twilio could not be reached (no connection, no answer in time, or its servers failing
    after the retries); not a refusal such as bad credentials."""
    if not isinstance(err, TwilioApiError) or err.is_auth_error:
        return False
    return err.kind in ("connection", "timeout") or err.status >= 500


def age_text(then: datetime, now: datetime | None = None) -> str:
    """How long ago, as people say it: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0.0, ((now or datetime.now(UTC)) - then).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


@dataclass(frozen=True)
class Freshness:
    """`live`: read from Twilio just now. Otherwise `read_at` says when what is shown was
    read (None: never), and `problem` why Twilio could not be reached."""

    live: bool = True
    read_at: datetime | None = None
    problem: str | None = None

    def banner(self, now: datetime | None = None) -> str:
        """The sentence above an offline table ("" when live)."""
        if self.live:
            return ""
        if self.read_at is None:
            seen = "showing what Loquent has stored"
        else:
            seen = (
                f"showing what Loquent last saw {age_text(self.read_at, now)} "
                f"({self.read_at:%Y-%m-%d %H:%M} UTC)"
            )
        why = f" {self.problem}" if self.problem else ""
        return f"Twilio could not be reached — {seen}.{why}"


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What a tab shows, and whether it is live."""

    value: T
    freshness: Freshness = Freshness()

    @property
    def live(self) -> bool:
        return self.freshness.live
