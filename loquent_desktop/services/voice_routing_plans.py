"""What a voice-routing plan says: per number, every field before → after, who stops
receiving calls, what is detached (in red), and what changed since Loquent configured it.

Pure: built from `NumberRouting` values the service has just fetched, so the dialog, the
journal and the requests all come from the same `RoutingStep`s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..domain.plans import Change, Plan
from ..domain.records import PhoneNumberRecord
from ..domain.validation import format_phone
from ..domain.voice_route import RouteKind, VoiceConfig, effective_voice_route, short_sid
from ..domain.voice_routing import (
    FieldChange,
    NumberRouting,
    differences,
    is_ours,
    loquent_config,
    same_routing,
    shown,
)

CONFIGURE, RESTORE = "voice.configure", "voice.restore"
NO_CHARGE = "No charge: Twilio does not bill for changing a number's configuration."
RECORDING_NOTE = (
    "Call recording follows Loquent's endpoint from now on: if the previous platform "
    "recorded these calls in its own TwiML, that recording stops."
)
SNAPSHOT_NOTE = "The whole previous voice configuration is saved first, so Restore can put it back."
RESTORE_NOTE = "Every saved field is written back, empty ones included."
ACKNOWLEDGE = "Overwrite the changes made since Loquent configured these numbers"


@dataclass(frozen=True)
class RoutingStep:
    """What happens to one number. No `changes`: nothing is sent for it."""

    sid: str
    phone_number: str
    before: VoiceConfig  # live, just fetched
    target: VoiceConfig | None  # what will be on Twilio afterwards
    changes: tuple[FieldChange, ...] = ()
    save_snapshot: bool = False  # configure: no snapshot yet and not already Loquent's
    forget_only: bool = False  # restore: already back as saved; only forget our copy
    # configure: already Loquent's, changed by a run that died before recording it; only
    # our record is written (nothing is sent)
    record_only: bool = False
    skip: str | None = None  # why nothing is done

    def to_journal(self) -> dict[str, Any]:
        return {
            "phone_number": self.phone_number,
            "before": journal_config(self.before),
            "after": None if self.target is None else journal_config(self.target),
            "changes": [
                [c.field, shown(c.field, c.before), shown(c.field, c.after)] for c in self.changes
            ],
            "skip": self.skip,
            "record_only": self.record_only,
        }


def routing_from_record(
    record: PhoneNumberRecord,
    loquent_url: str,
    live: VoiceConfig | None,
    problem: str | None,
    other_loquent_urls: tuple[str, ...] = (),
) -> NumberRouting:
    return NumberRouting(
        sid=record.sid,
        phone_number=record.phone_number,
        friendly_name=record.friendly_name,
        loquent_url=loquent_url,
        live=live,
        previous=record.previous_voice_config,
        snapshot_taken_at=record.snapshot_taken_at,
        written_url=record.loquent_voice_url,
        routed=record.routed_voice_config,
        routed_at=record.routed_at,
        problem=problem,
        other_loquent_urls=other_loquent_urls,
    )


def build_plan(
    action: str, organization: str, account: str, numbers: list[NumberRouting]
) -> tuple[Plan, list[RoutingStep]]:
    parts = _Parts()
    steps = [
        _configure_step(n, parts) if action == CONFIGURE else _restore_step(n, parts)
        for n in numbers
    ]
    for step in steps:
        resource = f"{format_phone(step.phone_number)} ({short_sid(step.sid)})"
        parts.changes += [
            Change(resource, c.label, shown(c.field, c.before), shown(c.field, c.after))
            for c in step.changes
        ]
    acting = [s for s in steps if s.changes or s.forget_only or s.record_only]
    what = format_phone(acting[0].phone_number) if len(acting) == 1 else f"{len(acting)} numbers"
    if action == CONFIGURE:
        title = f"Point {what} at Loquent"
        notes = [SNAPSHOT_NOTE, RECORDING_NOTE] if any(s.changes for s in steps) else []
    else:
        title = f"Restore the previous voice configuration of {what}"
        notes = [RESTORE_NOTE] if acting else []
    plan = Plan(
        action=action,
        title=title,
        organization=organization,
        account=account,
        changes=tuple(parts.changes),
        cost=NO_CHARGE,
        affected=tuple(parts.affected) or ("Nobody else: no other platform answers these calls.",),
        notes=tuple(notes + parts.notes),
        warnings=tuple(parts.warnings),
        acknowledge=ACKNOWLEDGE if parts.drift else None,
        details={"numbers": {s.sid: s.to_journal() for s in steps}},
    )
    return plan, steps


class _Parts:
    """What the per-number steps add to the plan besides their field changes."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.affected: list[str] = []
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.drift = False


def _configure_step(n: NumberRouting, parts: _Parts) -> RoutingStep:
    phone = format_phone(n.phone_number)
    if n.live is None:
        parts.notes.append(f"{phone} is skipped: {n.problem}")
        return RoutingStep(n.sid, n.phone_number, VoiceConfig(), None, skip=n.problem)
    live = n.live
    target = loquent_config(live, n.loquent_url)
    changes = tuple(differences(live, target))
    if not changes:
        if n.previous is not None and n.routed is None:
            # Saved, then changed on Twilio, then the app died (or lost Twilio's answer)
            # before writing down what Twilio confirmed: the record is completed, nothing sent.
            parts.notes.append(
                f"{phone} already points at Loquent: an earlier run that was interrupted "
                "changed it without recording it. Loquent records it now; nothing is sent for it."
            )
            return RoutingStep(n.sid, n.phone_number, live, target, record_only=True)
        parts.notes.append(f"{phone} already points at Loquent: nothing is sent for it.")
        return RoutingStep(n.sid, n.phone_number, live, target)  # "unchanged"
    ours = n.points_at_loquent
    route = n.route
    if route is not None and route.kind in (RouteKind.URL, RouteKind.APP, RouteKind.TRUNK):
        parts.affected.append(
            f"Inbound calls on {phone} will stop reaching {_route_words(route.kind, route.target)}."
        )
    if live.trunk_sid:
        parts.warnings.append(
            f"SIP trunk {live.trunk_sid} will be detached from {phone} (through Twilio's SIP "
            "Trunking API, after the Voice URL is set): while a trunk is set, Twilio ignores "
            "the Voice URL. Calls stop reaching the PBX or carrier behind it."
        )
    if live.voice_application_sid:
        parts.warnings.append(
            f"TwiML app {live.voice_application_sid} will be removed from {phone}: while an "
            "app is set, Twilio ignores the Voice URL."
        )
    if live.voice_fallback_url and not is_ours(live.voice_fallback_url, n.loquent_url):
        parts.notes.append(
            f"{phone} keeps its fallback URL {shown('voice_fallback_url', live.voice_fallback_url)}"
            ": it answers whenever Loquent's endpoint fails."
        )
    if live.status_callback and not is_ours(live.status_callback, n.loquent_url):
        parts.notes.append(
            f"{phone} keeps sending call status to "
            f"{shown('status_callback', live.status_callback)}."
        )
    # A saved configuration equal to today's was taken by a run interrupted before it sent
    # anything: Restore returns to exactly what is shown, so there is nothing to warn about.
    if n.previous is not None and not ours and not same_routing(n.previous, live):
        parts.warnings.append(
            f"{phone} already has a previous configuration saved on {_when(n.snapshot_taken_at)};"
            " it is kept, so Restore returns to it, not to the routing shown here as 'Now'."
        )
    return RoutingStep(
        n.sid,
        n.phone_number,
        live,
        target,
        changes,
        save_snapshot=n.previous is None and not ours,
    )


def _restore_step(n: NumberRouting, parts: _Parts) -> RoutingStep:
    phone = format_phone(n.phone_number)
    if n.live is None:
        parts.notes.append(f"{phone} is skipped: {n.problem}")
        return RoutingStep(n.sid, n.phone_number, VoiceConfig(), None, skip=n.problem)
    live = n.live
    if n.previous is None:
        reason = "no previous configuration is saved for it"
        parts.notes.append(f"{phone} is skipped: {reason}.")
        return RoutingStep(n.sid, n.phone_number, live, None, skip=reason)
    target = n.previous
    changes = tuple(differences(live, target))
    if not changes:
        parts.notes.append(
            f"{phone} already has its saved configuration: nothing is sent, Loquent forgets "
            "its saved copy."
        )
        return RoutingStep(n.sid, n.phone_number, live, target, forget_only=True)
    drift = n.drift
    if drift:
        parts.drift = True
        since = f" on {_when(n.routed_at)}" if n.routed_at else ""
        what = "; ".join(
            f"{c.label} is now {shown(c.field, c.after) or '(not set)'} "
            f"(Loquent set {shown(c.field, c.before) or '(not set)'})"
            for c in drift
        )
        parts.warnings.append(f"{phone} was changed after Loquent configured it{since}: {what}.")
    if target.trunk_sid and target.trunk_sid != live.trunk_sid:
        parts.notes.append(
            f"{phone} is attached to SIP trunk {target.trunk_sid} again (through Twilio's SIP "
            "Trunking API, before the other fields are written)."
        )
    route = n.route
    back_to = effective_voice_route(
        target.trunk_sid, target.voice_application_sid, target.voice_url, n.loquent_url
    )
    if route is not None and route.kind is not RouteKind.NONE:
        now = "Loquent" if route.is_loquent else _route_words(route.kind, route.target)
        after = (
            "nobody (no Voice URL)"
            if back_to.kind is RouteKind.NONE
            else _route_words(back_to.kind, back_to.target)
        )
        parts.affected.append(
            f"Inbound calls on {phone} will stop reaching {now} and go to {after}."
        )
    return RoutingStep(n.sid, n.phone_number, live, target, changes)


def _route_words(kind: RouteKind, target: str | None) -> str:
    if kind is RouteKind.TRUNK:
        return f"SIP trunk {target}"
    if kind is RouteKind.APP:
        return f"TwiML app {target}"
    if kind is RouteKind.LOQUENT:
        return "Loquent"
    return shown("voice_url", target)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an earlier run"


def journal_config(config: VoiceConfig) -> dict[str, Any]:
    """For the journal: URL passwords masked (the snapshot that restores keeps them)."""
    data = asdict(config)
    data.pop("date_updated", None)
    return {name: shown(name, value) or None for name, value in data.items()}
