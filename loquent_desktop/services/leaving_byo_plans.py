"""Leaving BYO safely: what stays on the organization's own Twilio account when it switches
to Shared or is disconnected, and the one plan that undoes Loquent's changes first.

Pure (no I/O): `leave_plan` joins the restore plan (`voice_routing_plans`) and the event
stream removal plans (`event_stream_plans`) into one plan, so the account manager confirms
everything Loquent leaves behind in one dialog, and the journal keeps it as one entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.plans import Plan

LEAVE = "byo.leave"

SNAPSHOTS_KEPT = (
    "Saved configurations stay in Loquent's database after the switch: switch the "
    "organization back to BYO (and connect it) to restore them on Voice routing."
)


@dataclass(frozen=True)
class Leaving:
    """How the organization leaves its own account, in the words the texts need."""

    verb: str  # "switch to Shared"
    then: str  # "switches to Shared"


SWITCH = Leaving("switch to Shared", "switches to Shared")
DISCONNECT = Leaving("disconnect", "is disconnected")


@dataclass(frozen=True)
class WhatStays:
    """What Loquent left on the organization's own account, from Loquent's database."""

    organization: str
    account: str  # masked SID, or "" when never connected
    connected: bool  # credentials present: Loquent can still undo its changes
    restorable: tuple[str, ...]  # numbers (E.164) with a saved previous configuration
    loquent_only: tuple[str, ...]  # pointing at Loquent, nothing saved (bought through it)
    streams: tuple[str, ...]  # "SMS events", "Call events"

    @property
    def anything(self) -> bool:
        return bool(self.restorable or self.loquent_only or self.streams)

    @property
    def undoable(self) -> bool:
        """Something a plan can undo now (it needs the account's credentials)."""
        return self.connected and bool(self.restorable or self.streams)


def _numbers(numbers: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(numbers[:limit])
    more = len(numbers) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def stays_text(stays: WhatStays, leaving: Leaving) -> str:
    """The dialog's account of what stays on the account if the organization leaves it
    without undoing anything. Plain text."""
    lines = [f"These stay on {stays.organization}'s own Twilio account ({stays.account}):"]
    if stays.restorable:
        n = len(stays.restorable)
        lines.append(
            f"• {n} number{'s' if n != 1 else ''} pointing at Loquent, with the previous "
            f"configuration saved: {_numbers(stays.restorable)}. Their calls keep going to "
            "Loquent."
        )
    if stays.loquent_only:
        n = len(stays.loquent_only)
        lines.append(
            f"• {n} number{'s' if n != 1 else ''} pointing at Loquent with nothing saved to "
            f"restore (bought through Loquent): {_numbers(stays.loquent_only)}."
        )
    if stays.streams:
        lines.append(
            f"• {' and '.join(stays.streams)} streaming to Loquent (Event Streams sink and "
            "subscription): Twilio keeps sending them."
        )
    if stays.undoable:
        lines.append(
            "\nRestore and remove first: one plan restores the saved configurations and "
            f"removes the event streams before the organization {leaving.then}. Or "
            f"{leaving.verb} now and leave them as they are."
        )
    else:
        lines.append(
            "\nWithout the organization's credentials Loquent cannot undo them: connect "
            "first to restore and remove them."
        )
    if stays.restorable:
        lines.append(SNAPSHOTS_KEPT)
    return "\n".join(lines)


def leave_plan(organization: str, account: str, parts: Sequence[Plan], leaving: Leaving) -> Plan:
    """One plan of `parts` (a restore plan and stream removal plans, in execution order),
    after which the organization leaves its account (`leaving`) on this computer."""
    then = leaving.then
    changes = tuple(c for part in parts for c in part.changes)
    warnings = tuple(w for part in parts for w in part.warnings)
    affected = tuple(dict.fromkeys(a for part in parts for a in part.affected))
    notes = [n for part in parts for n in part.notes]
    notes.append(
        f"Then the organization {then}: a change on this computer only, nothing more is "
        "sent to Twilio. If any step fails, it stays BYO so that you can look and try again."
    )
    notes.append(SNAPSHOTS_KEPT)
    acknowledge = next((p.acknowledge for p in parts if p.acknowledge), None)
    kinds = [p.title for p in parts]
    return Plan(
        action=LEAVE,
        title=f"Before {organization} {then}: " + "; ".join(kinds),
        organization=organization,
        account=account,
        changes=changes,
        cost="No charge.",
        affected=affected,
        notes=tuple(dict.fromkeys(notes)),
        warnings=warnings,
        acknowledge=acknowledge,
        details={
            "then": leaving.verb,
            "parts": [p.action for p in parts],
            "part_details": [p.details for p in parts],
        },
    )
