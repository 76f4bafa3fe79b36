"""A journal entry in sentences: what was planned, how it ended, and what each part did.

Services journal what their change returned as plain data (per-number outcomes of a bulk
routing change, the sink and subscription of an event stream, the bought number). That data
is for the program; this turns it into what an account manager reads, at display time, so
entries written by older versions read just as well. Nothing here prints a `None`, a dict or
a list as Python would.
"""

from __future__ import annotations

from typing import Any

from .plans import Plan
from .records import JournalRecord
from .validation import format_phone
from .voice_route import short_sid

# Journal actions (the services' constants; the domain may not import services).
CONFIGURE, RESTORE, BUY = "voice.configure", "voice.restore", "number.buy"

# Per-number lines listed in full; past this the rest are counted.
MAX_NUMBER_LINES = 200

STATE_TEXT = {
    "succeeded": "Succeeded",
    "failed": "Failed",
    "partial": "Partly done: some parts did not go through (see below)",
    "cancelled": "Cancelled: nothing was sent to Twilio",
    "interrupted": "Interrupted: the app stopped mid-change; check the account on Twilio",
    "running": "Running: the change is being sent now",
    "unknown": "Outcome unknown: Twilio may or may not have made the change; refresh to see",
}

_DONE_WORDS = {CONFIGURE: "pointed at Loquent", RESTORE: "restored"}
_NUMBER_WORDS = {
    "unchanged": "already as planned, nothing sent",
    "recorded": "already changed by an interrupted run; Loquent's record updated",
    "skipped": "skipped",
    "failed": "failed",
    "changed": "not sent: it changed on Twilio after the plan was shown",
    "unknown": "outcome unknown",
    "not started": "not started (the run was stopped first)",
}


def outcome_text(state: str) -> str:
    return STATE_TEXT.get(state, state.capitalize())


def number_line(action: str, phone_number: str, outcome: dict[str, Any]) -> str:
    """'+1 415-900-0137: pointed at Loquent' or '…: failed — Twilio refused: …'."""
    state = str(outcome.get("outcome") or "not started")
    words = _DONE_WORDS.get(action, "done") if state == "succeeded" else _NUMBER_WORDS.get(state)
    said = outcome.get("error") or outcome.get("note")
    text = f"{format_phone(phone_number)}: {words or state}"
    return f"{text} — {said}" if said else text


def _number_lines(action: str, numbers: dict[str, Any]) -> list[str]:
    # Problems first: they are what a reader of a thousand-number change looks for.
    ordered = sorted(
        numbers.items(), key=lambda kv: (kv[1] or {}).get("outcome") in ("succeeded", "unchanged")
    )
    lines = [
        number_line(action, str((o or {}).get("phone_number") or sid), o or {})
        for sid, o in ordered[:MAX_NUMBER_LINES]
    ]
    if len(ordered) > MAX_NUMBER_LINES:
        lines.append(f"… and {len(ordered) - MAX_NUMBER_LINES:,} more numbers.")
    return lines


def _stream_lines(action: str, result: dict[str, Any]) -> list[str]:
    lines = []
    noun = {"sms": "SMS", "calls": "call"}.get(str(result.get("kind")), "the")
    if sub := result.get("subscription_sid"):
        if action.endswith(".remove"):
            if not result.get("subscription_gone"):
                lines.append(f"Removed the subscription {short_sid(sub)}.")
        else:
            lines.append(f"Subscription {short_sid(sub)} streams {noun} events to Loquent.")
    if sink := result.get("sink_sid"):
        if result.get("sink_created"):
            lines.append(f"Created the sink {short_sid(sink)}.")
        elif result.get("sink_deleted"):
            lines.append(f"Deleted the sink {short_sid(sink)}.")
        else:
            lines.append(f"Delivered through the existing sink {short_sid(sink)}.")
    if types := result.get("types"):
        lines.append(f"Event types ({len(types)}): " + ", ".join(map(str, types)) + ".")
    if result.get("subscription_gone"):
        lines.append("The subscription was already gone from Twilio.")
    if result.get("sink_gone"):
        lines.append("The sink was already gone from Twilio.")
    return lines


def _purchase_lines(result: dict[str, Any]) -> list[str]:
    phone = format_phone(str(result.get("phone_number") or ""))
    sid = result.get("number_sid")
    line = f"Bought {phone}" + (f" ({sid})" if sid else "") + "."
    if result.get("stored_locally") is False:
        line += " Loquent's database could not record it: import the account's numbers again."
    return [line]


def _value(value: Any) -> str | None:
    """A leftover value in words; None when there is nothing worth saying."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return f"{len(value):,} entries"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_HANDLED = {
    "numbers",
    "kind",
    "subscription_sid",
    "sink_sid",
    "sink_created",
    "sink_deleted",
    "types",
    "subscription_gone",
    "sink_gone",
    "phone_number",
    "number_sid",
    "stored_locally",
    "warning",
    "store_error",
}
_LABELS = {"mode": "Recording mode", "trim": "Trim silence"}


def result_lines(action: str, result: dict[str, Any] | None) -> list[str]:
    """What the change did, in sentences (empty when it recorded nothing)."""
    if not result:
        return []
    lines: list[str] = []
    if isinstance(numbers := result.get("numbers"), dict):
        lines += _number_lines(action, numbers)
    if action.startswith("events.") or "sink_sid" in result or "subscription_sid" in result:
        lines += _stream_lines(action, result)
    if action == BUY or "number_sid" in result:
        lines += _purchase_lines(result)
    if warning := result.get("warning"):
        lines.append(f"Note: {warning}")
    if store_error := result.get("store_error"):
        lines.append(
            f"Twilio made the change, but Loquent's database could not record it: {store_error}"
        )
    for key, value in result.items():
        if key in _HANDLED or (text := _value(value)) is None:
            continue
        lines.append(f"{_LABELS.get(key, key.replace('_', ' ').capitalize())}: {text}.")
    return lines


def details_text(entry: JournalRecord, state: str) -> str:
    """The whole entry for the Journal tab's details: the plan, the outcome, what happened."""
    try:
        lines = Plan.from_journal(entry.plan).summary_lines() if entry.plan else [entry.title]
    except TypeError:  # an entry written by a version whose plans had other fields
        lines = [entry.title]
    lines.append("")
    lines.append(f"Outcome: {outcome_text(state)}.")
    if entry.error:
        lines.append(f"What went wrong: {entry.error}")
    done = result_lines(entry.action, entry.result)
    if done:
        lines.append("")
        lines += done
    return "\n".join(lines)
