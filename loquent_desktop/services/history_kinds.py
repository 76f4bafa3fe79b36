"""What differs between syncing messages and syncing calls: the Twilio list, its filters,
and the queries one scope needs.

A scope is "all" (the whole account: one query) or one of the organization's numbers (two
queries: To= and From=; a message between two of its own numbers shows up in both and is
counted once, see `history_rows`). Calls are always filtered to Status=completed: calls
that never connected are not history anyone asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..store.repositories.sync_checkpoints import ALL


@dataclass(frozen=True)
class HistoryKind:
    name: str  # "messages" / "calls" (the checkpoint's kind)
    resource: str  # Twilio's list: "Messages" / "Calls"
    since_filter: str  # the library's keyword for "on or after this day"
    fixed: dict[str, Any] = field(default_factory=dict)
    # The library's keyword for "before this day" (None: the list cannot be cut into date
    # ranges), and whether Twilio reads it as "on or before" (Messages' DateSent<) rather
    # than "strictly before" (Calls' StartTime<): each list documents its own.
    until_filter: str | None = None
    until_inclusive: bool = False
    date_key: str = "date_created"  # the JSON field the list is ordered by (newest first)

    def steps(self, scope: str) -> list[dict[str, Any]]:
        if scope == ALL:
            return [{}]
        return [{"to": scope}, {"from_": scope}]

    def filters(self, step: dict[str, Any], since: datetime | None) -> dict[str, Any]:
        """The library keywords for one query. Dates go as YYYY-MM-DD: Twilio's date
        filters are day-granular (GMT), and a string passes through the library as is."""
        filters = {**self.fixed, **step}
        if since is not None:
            filters[self.since_filter] = since.astimezone(UTC).strftime("%Y-%m-%d")
        return filters

    def range_filters(
        self, step: dict[str, Any], after: datetime | None, before: datetime | None
    ) -> dict[str, Any]:
        """The keywords for one date range [after, before) of a query; both are UTC
        midnights (Twilio's date filters are whole days)."""
        filters = self.filters(step, after)
        if before is not None and self.until_filter is not None:
            last = before - timedelta(days=1) if self.until_inclusive else before
            filters[self.until_filter] = last.astimezone(UTC).strftime("%Y-%m-%d")
        return filters

    def step_label(self, step: dict[str, Any]) -> str:
        """What a query reads, for the progress line: "messages to +1415…"."""
        if "to" in step:
            return f"{self.name} to {step['to']}"
        if "from_" in step:
            return f"{self.name} from {step['from_']}"
        return f"all {self.name}"


MESSAGES = HistoryKind(
    "messages", "Messages", "date_sent_after",
    until_filter="date_sent_before", until_inclusive=True, date_key="date_sent",
)  # fmt: skip
CALLS = HistoryKind(
    "calls", "Calls", "start_time_after", {"status": "completed"},
    until_filter="start_time_before", date_key="start_time",
)  # fmt: skip
# Recordings have no To/From filter: their list is read whole ("all"), from DateCreated>=.
RECORDINGS = HistoryKind("recordings", "Recordings", "date_created_after")
KINDS = {kind.name: kind for kind in (MESSAGES, CALLS, RECORDINGS)}


def kind_named(name: str) -> HistoryKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, not {name!r}") from None
