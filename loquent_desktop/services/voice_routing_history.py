"""A number's voice-routing history, read back from the journal.

Routing plans journal one entry per confirmed (or cancelled) plan, with each number's
before/after in the plan and its own outcome in the result; this picks out one number.
Outcomes are journaled number by number while a run goes on, so a run that was interrupted
(the app was killed) still shows, for each number it finished, what happened to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.records import JournalRecord
from ..domain.voice_routing import FIELDS
from .voice_routing_plans import CONFIGURE, RESTORE

ACTION_WORDS = {CONFIGURE: "Pointed at Loquent", RESTORE: "Restored"}
# What was planned, for a line whose plan did not happen as planned ("Cancelled: Point at
# Loquent"): a cancelled plan must never read like a change that was made.
PLANNED_WORDS = {CONFIGURE: "Point at Loquent", RESTORE: "Restore the saved configuration"}
ALREADY_WORDS = {CONFIGURE: "Already pointed at Loquent", RESTORE: "Already as saved"}
OUTCOME_PREFIX = {
    "cancelled": "Cancelled",
    "failed": "Failed",
    "skipped": "Skipped",
    "changed": "Not sent",
    "unknown": "Outcome unknown",
    "not started": "Not started",
    "running": "Running",
    "interrupted": "Interrupted",
}
# Outcomes after which Twilio holds what the plan wanted.
DONE = ("succeeded", "recorded")


def action_words(action: str, outcome: str) -> str:
    """'Pointed at Loquent' when it happened, 'Cancelled: Point at Loquent' when not."""
    if outcome in DONE:
        return ACTION_WORDS.get(action, action)
    if outcome == "unchanged":
        return ALREADY_WORDS.get(action, action)
    planned = PLANNED_WORDS.get(action, action)
    return f"{OUTCOME_PREFIX.get(outcome, outcome.capitalize())}: {planned}"


@dataclass(frozen=True)
class RoutingEvent:
    when: datetime
    action: str  # words, e.g. "Restored"
    before: str  # the changed fields before, one "Label: value" per line
    after: str
    outcome: str  # succeeded / failed / unchanged / cancelled / running / interrupted / …
    error: str | None = None
    entry_id: int = 0

    @property
    def made_no_change(self) -> bool:
        """Nothing reached Twilio for this number (cancelled, stopped first, not sent)."""
        return self.outcome in ("cancelled", "not started", "changed", "skipped", "unchanged")


def events_for(entries: Iterable[JournalRecord], sid: str, running: set[int]) -> list[RoutingEvent]:
    events = []
    for entry in entries:
        number = (entry.plan.get("details") or {}).get("numbers", {}).get(sid)
        if number is None:
            continue
        changes = number.get("changes") or []
        outcome, error = _outcome(entry, sid, running)
        events.append(
            RoutingEvent(
                when=entry.created_at,
                action=action_words(entry.action, outcome),
                before=_lines(changes, 1),
                after=_lines(changes, 2),
                outcome=outcome,
                error=error or (number.get("skip") if not changes else None),
                entry_id=entry.id,
            )
        )
    return events


INTERRUPTED_AFTER = "The run was interrupted (the app stopped) after this number was done."


def _outcome(entry: JournalRecord, sid: str, running: set[int]) -> tuple[str, str | None]:
    per_number: dict[str, Any] = ((entry.result or {}).get("numbers") or {}).get(sid) or {}
    said = per_number.get("error") or per_number.get("note")
    if entry.outcome is None:
        if entry.id in running:
            return (str(per_number["outcome"]), said) if per_number else ("running", None)
        if per_number:
            return str(per_number.get("outcome")), " ".join(filter(None, [said, INTERRUPTED_AFTER]))
        return "interrupted", None
    if per_number:
        return str(per_number.get("outcome")), said
    return entry.outcome, entry.error


def _lines(changes: list[list[Any]], index: int) -> str:
    return "\n".join(
        f"{FIELDS.get(str(c[0]), str(c[0]))}: {c[index] or '(not set)'}" for c in changes
    )
