"""What a history sync reports while it runs and when it ends, in words a user reads.

Twilio's lists carry no total count, so how far a run has got is an *estimate*: the lists are
newest first, so the date of the oldest record read so far, between now and the lower bound
(the `since` date, or about 400 days back, as far as Twilio's Messages list reaches), says
how much of the time range is done. Each query of the run (a To= and a From= query per
number) is an equal share of the whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..domain.history_records import UpsertCounts

# How far back Twilio keeps message and call logs: the lower bound of the estimate when no
# `since` date was given.
HISTORY_REACH = timedelta(days=400)
NOUNS = {
    "messages": ("message", "messages"),
    "calls": ("call", "calls"),
    "recordings": ("recording", "recordings"),
}


def plural(count: int, kind: str) -> str:
    one, many = NOUNS[kind]
    return f"{count:,} {one if count == 1 else many}"


def duration_text(seconds: float) -> str:
    if seconds < 1:
        return "under a second"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def breakdown(c: UpsertCounts) -> str:
    """new + updated + unchanged (+ already counted) = read. "Already counted": met again
    in the same run (a message between two of the organization's numbers is in both
    their To= and From= queries; a page read again after a refused link)."""
    text = f"{c.new:,} new, {c.updated:,} updated, {c.unchanged:,} unchanged"
    if c.repeated:
        text += f", {c.repeated:,} already counted"
    return text


@dataclass(frozen=True)
class SyncProgress:
    kind: str
    counts: UpsertCounts  # the whole run so far (earlier sessions of a resumed run included)
    pages: int
    scope: str  # what is being read: "all messages", "calls from +1415…"
    fraction: float | None  # estimated share done, 0..1; None until there is a basis
    rate: float  # records per second in this session
    eta_s: float | None  # estimated seconds left

    def text(self) -> str:
        c = self.counts
        pages = f"{self.pages:,} page{'' if self.pages == 1 else 's'}"
        parts = [f"{plural(c.seen, self.kind)} read ({pages}): {breakdown(c)}"]
        if self.rate > 0:
            parts.append(f"{self.rate:,.0f}/s")
        if self.eta_s is not None:
            parts.append(f"about {duration_text(self.eta_s)} left (estimate)")
        return " · ".join(parts)


@dataclass(frozen=True)
class SyncSummary:
    kind: str
    counts: UpsertCounts  # the whole run, every scope and every session of it
    pages: int
    scopes: tuple[str, ...]
    elapsed_s: float  # this session
    resumed: bool = False

    @property
    def imported(self) -> int:
        """Calls wording: imported = written (new or changed), skipped = the rest read
        (already up to date, or already counted by this run): imported + skipped = read."""
        return self.counts.new + self.counts.updated

    def text(self) -> str:
        c = self.counts
        took = f" in {duration_text(self.elapsed_s)}"  # this session's time, resumed or not
        if self.kind == "calls":
            why = "already up to date"
            if c.repeated:
                why = f"{c.unchanged:,} already up to date, {c.repeated:,} already counted"
            text = f"{self.imported:,} imported, {c.skipped:,} skipped ({why})"
            if c.updated:
                text += f"; {c.updated:,} of the imported were updated"
            return f"Calls synced{took}: {text}."
        return f"Messages synced{took}: {breakdown(c)}."


@dataclass
class ProgressTracker:
    """Turns committed pages into `SyncProgress` for one session of a run."""

    kind: str
    total_steps: int  # queries in the part of the run this session does
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    pages: int = 0
    done_steps: int = 0
    step_fraction: float = 0.0
    scope: str = ""
    session_seen: int = 0
    began: float = field(default_factory=time.monotonic)

    def page(
        self,
        totals: UpsertCounts,
        pages: int,
        page_seen: int,
        oldest: datetime | None,
        since: datetime | None,
        now: datetime | None = None,
        share: float | None = None,
    ) -> None:
        """`share`: the part of the query's time span read so far, when its date ranges
        are read at once (then the oldest record read says little)."""
        self.counts, self.pages = totals, pages
        self.session_seen += page_seen
        if share is not None:
            self.step_fraction = max(self.step_fraction, min(1.0, max(0.0, share)))
        elif oldest is not None:
            now = now or datetime.now(UTC)
            lower = since or now - HISTORY_REACH
            span = (now - lower).total_seconds()
            done = (now - oldest).total_seconds()
            share = done / span if span > 0 else 1.0
            self.step_fraction = max(self.step_fraction, min(1.0, max(0.0, share)))

    def step_done(self) -> None:
        self.done_steps += 1
        self.step_fraction = 0.0

    def snapshot(self) -> SyncProgress:
        elapsed = time.monotonic() - self.began
        rate = self.session_seen / elapsed if elapsed > 0 else 0.0
        fraction: float | None = None
        eta: float | None = None
        if self.total_steps > 0:
            fraction = min(1.0, (self.done_steps + self.step_fraction) / self.total_steps)
            # Below 2% the estimate is mostly noise; better say nothing than "3 days left".
            if 0.02 <= fraction < 1.0:
                eta = elapsed * (1 - fraction) / fraction
            elif fraction >= 1.0:
                eta = 0.0
        return SyncProgress(self.kind, self.counts, self.pages, self.scope, fraction, rate, eta)
