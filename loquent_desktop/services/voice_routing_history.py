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


@dataclass(frozen=True)
class RoutingEvent:
    when: datetime
    action: str  # words, e.g. "Restored"
    before: str  # the changed fields before, one "Label: value" per line
    after: str
    outcome: str  # succeeded / failed / unchanged / cancelled / running / interrupted / …
    error: str | None = None
    entry_id: int = 0


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
                action=ACTION_WORDS.get(entry.action, entry.action),
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
