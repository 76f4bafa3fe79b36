"""Cutting a large history query into date ranges read at the same time, and how much of
them is read (pure, no I/O).

Twilio's lists carry no total, so the first page is the sample: its records span some
time, and at that density the rest of the period holds about so many more. A query whose
rest fits in a few pages is read on page by page as it always was; a larger one keeps
reading on from its first page down to the day that page ended on (part 0), and the
older days are cut into equal spans, each one date range (Twilio's date filters are whole
UTC days, so the cuts fall on midnights and no record is in two ranges).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from ..store.repositories.sync_ranges import PlannedRange
from .sync_progress import HISTORY_REACH

DAY = timedelta(days=1)


@dataclass(frozen=True)
class RangePolicy:
    """When and how finely a query is cut. Tests lower `min_records` to cut small lists."""

    min_records: int = 8_000  # estimated rest below this: read on page by page
    per_range: int = 900  # records a range aims at (under one page, at the latency target)
    max_ranges: int = 24  # a few times the account's concurrency cap: ranges even out


def midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(0), tzinfo=UTC)


def plan_ranges(
    dates: Sequence[datetime],
    next_page_uri: str,
    since: datetime | None,
    now: datetime,
    policy: RangePolicy,
) -> tuple[PlannedRange, ...]:
    """The ranges for the rest of a query whose first page held records at `dates` and
    continues at `next_page_uri`; empty when the rest is better read page by page.
    `since`: the query's lower bound (a UTC midnight), None for the whole history."""
    if not dates:
        return ()
    newest, oldest = max(dates), min(dates)
    cutoff = midnight(oldest)
    floor = since if since is not None else midnight(now - HISTORY_REACH)
    if cutoff - floor < DAY:
        return ()
    seconds = max((newest - oldest).total_seconds(), 1.0)
    estimate = len(dates) / seconds * (cutoff - floor).total_seconds()
    if estimate < policy.min_records:
        return ()
    days = (cutoff - floor).days
    parts = max(1, min(policy.max_ranges, days, math.ceil(estimate / policy.per_range)))
    ranges = [PlannedRange(0, cutoff, None, next_page_uri)]
    for k in range(parts):
        before = cutoff - DAY * (days * k // parts)
        after = cutoff - DAY * (days * (k + 1) // parts)
        # The oldest range is open below without a `since`: Twilio may hold older records.
        ranges.append(PlannedRange(k + 1, after if since is not None or k < parts - 1 else None,
                                   before))  # fmt: skip
    return tuple(ranges)


@dataclass
class Coverage:
    """How much of a ranged query's time span is read, for the progress estimate: each
    range from its top down to the oldest record committed so far."""

    spans: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)  # id: top, bottom
    reached: dict[int, datetime] = field(default_factory=dict)

    def share(self) -> float:
        total = sum((top - bottom).total_seconds() for top, bottom in self.spans.values())
        if total <= 0:
            return 0.0
        done = 0.0
        for key, (top, bottom) in self.spans.items():
            reached = min(max(self.reached.get(key, top), bottom), top)
            done += (top - reached).total_seconds()
        return done / total
