"""What setting up or removing a stream will do, decided from what the account holds now,
and the plans that say so in words (no I/O here).

Decisions: reuse a webhook sink whose destination is the organization's events URL (never
another platform's sink); extend Loquent's existing subscription instead of making a second;
delete a sink only when no other subscription uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.event_streams import (
    SINK_DESCRIPTION,
    WEBHOOK_METHOD,
    EventTypeInfo,
    LiveSink,
    LiveSubscription,
    StreamKind,
    StreamStatus,
    lifecycle_order,
)
from ..domain.plans import Change, Plan
from ..domain.validation import mask_sid
from ..store.repositories import EventStreamRecord
from .event_stream_reads import AccountStreams

COST = (
    "No charge from Twilio as far as we know: Twilio lists no price for Event Streams sinks, "
    "subscriptions or delivered events. Messages and calls are billed as before."
)
UNTOUCHED = (
    "Per-number webhooks are untouched: the SMS URLs, Voice URLs and status callbacks of the "
    "account's numbers stay exactly as they are; Event Streams sends Loquent a copy of each "
    "event besides them."
)
_REACH = {
    StreamKind.SMS: (
        "Event Streams are account-wide: Loquent will receive the message events of every "
        "number and messaging service of this account (not of its subaccounts), including "
        "messages that other platforms send."
    ),
    StreamKind.CALLS: (
        "Twilio streams call progress events only for calls whose API request or TwiML asks "
        "for status callback events; calls that do not ask (e.g. some PBX or SIP trunk "
        "calls) send none. Event Streams are account-wide: every such call of this account "
        "is included."
    ),
}


@dataclass(frozen=True)
class Found:
    """Loquent's subscription for one stream kind, and its sink, as found in the account."""

    subscription: LiveSubscription | None
    sink: LiveSink | None


def locate(
    kind: StreamKind, record: EventStreamRecord | None, account: AccountStreams, events_url: str
) -> Found:
    """The recorded subscription; else one with Loquent's description on a sink to our events
    URL (created by an attempt whose answer was lost, or recorded in a database since lost)."""
    sub = account.subscription(record.subscription_sid) if record else None
    if sub is None:
        ours = {s.sid for s in account.webhooks_to(events_url)}
        mine = [s for s in account.subscriptions if s.description == kind.description]
        sub = next((s for s in mine if s.sink_sid in ours), None)
    return Found(sub, account.sink(sub.sink_sid) if sub else None)


def other_sinks(
    account: AccountStreams, events_url: str, records: list[EventStreamRecord]
) -> tuple[LiveSink, ...]:
    """Sinks that are not Loquent's: another platform's, which Loquent never touches."""
    ours = {events_url} | {r.destination for r in records if r.destination}
    recorded = {r.sink_sid for r in records if r.sink_sid}
    return tuple(s for s in account.sinks if s.destination not in ours and s.sid not in recorded)


def stream_status(
    kind: StreamKind,
    record: EventStreamRecord | None,
    found: Found,
    events_url: str,
    subscribed: dict[str, int],
    wanted: list[EventTypeInfo],
) -> StreamStatus:
    sub, sink = found.subscription, found.sink
    if sub is None:
        lost = record is not None and record.subscription_sid is not None
        problem = (
            f"The subscription {mask_sid(record.subscription_sid)} that Loquent set up is gone "
            "from Twilio (deleted in the Console or by another tool). Set up again to restore it."
            if lost and record is not None
            else None
        )
        return StreamStatus(kind, recorded=lost, problem=problem)
    problem = None
    if sink is None:
        problem = f"Its sink {mask_sid(sub.sink_sid)} is gone: no events are delivered."
    elif sink.status != "active":
        problem = (
            f"Twilio reports its sink {mask_sid(sink.sid)} as “{sink.status}”: events are not "
            "being delivered. Remove the stream and set it up again."
        )
    elif sink.destination != events_url:
        problem = (
            f"Events go to {sink.destination}, not to the events URL {events_url}. Remove the "
            "stream and set it up again to move it."
        )
    return StreamStatus(
        kind,
        subscription_sid=sub.sid,
        sink_sid=sub.sink_sid,
        sink_status=sink.status if sink else None,
        destination=sink.destination if sink else None,
        types=tuple(sorted(subscribed, key=lifecycle_order)),
        missing_types=tuple(t.type for t in wanted if t.type not in subscribed),
        recorded=record is not None and record.subscription_sid == sub.sid,
        problem=problem,
    )


# -- set up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupDesign:
    kind: StreamKind
    destination: str
    sink: LiveSink | None  # reused; None: create one
    sink_created: bool  # Loquent created the (reused) sink earlier, per its record
    subscription: LiveSubscription | None  # Loquent's, to extend; None: create one
    subscribed: dict[str, int]  # its types now
    add: dict[str, int]  # event type -> schema version to subscribe
    others: tuple[LiveSink, ...] = field(default=())

    def details(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "destination": self.destination,
            "sink_sid": self.sink.sid if self.sink else None,
            "subscription_sid": self.subscription.sid if self.subscription else None,
            "add_types": [{"type": t, "schema_version": v} for t, v in self.add.items()],
        }


def setup_plan(design: SetupDesign, organization: str, account: str) -> Plan:
    kind = design.kind
    changes: list[Change] = []
    notes: list[str] = []
    if design.sink is None:
        sink_res = f"Sink “{SINK_DESCRIPTION}” (new webhook)"
        changes += [
            Change(sink_res, "Destination", None, design.destination),
            Change(sink_res, "Delivery", None, f"{WEBHOOK_METHOD}, one request per event"),
        ]
        sink_text = "the new sink above"
    else:
        sink_text = f"{mask_sid(design.sink.sid)} → {design.destination}"
        notes.append(
            f"Reuses the sink {mask_sid(design.sink.sid)} that already delivers to "
            f"{design.destination}; the sink itself does not change."
        )
    if design.subscription is None:
        sub_res = f"Subscription “{kind.description}” (new)"
        changes.append(Change(sub_res, "Sink", None, sink_text))
    else:
        sub_res = (
            f"Subscription {mask_sid(design.subscription.sid)} “{design.subscription.description}”"
        )
        notes.append(
            f"The subscription keeps its {len(design.subscribed)} current event types; "
            f"{len(design.add)} new ones are added."
        )
    label = "Event types" if design.subscription is None else "Event types added"
    changes.append(Change(sub_res, f"{label} ({len(design.add)})", None, type_lines(design.add)))
    notes += [UNTOUCHED, _REACH[kind]]
    notes += [f"Left alone: sink {s.describe()}." for s in design.others]
    return Plan(
        action=f"events.{kind.value}.setup",
        title=f"Set up {kind.noun} event streaming",
        organization=organization,
        account=account,
        changes=tuple(changes),
        cost=COST,
        affected=(
            "Nobody: numbers, their webhooks and other platforms' sinks and subscriptions stay "
            "as they are.",
        ),
        notes=tuple(notes),
        details=design.details(),
    )


def type_lines(types: dict[str, int]) -> str:
    """Event types for one table cell: one line per family and schema version, the steps in
    braces (``com.twilio.messaging.message.{queued, sent} (schema v8)``). Exact names, yet
    short enough to wrap: a bare dotted name has no place to break."""
    groups: dict[tuple[str, int], list[str]] = {}
    for name, version in types.items():
        family, _, step = name.rpartition(".")
        groups.setdefault((family, version), []).append(step)
    lines = []
    for (family, version), steps in groups.items():
        names = steps[0] if len(steps) == 1 else "{" + ", ".join(steps) + "}"
        lines.append(f"{family}.{names} (schema v{version})")
    return "\n".join(lines)


# -- remove ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoveDesign:
    kind: StreamKind
    subscription: LiveSubscription | None
    types: int  # how many event types it carries
    sink: LiveSink | None
    sink_users: tuple[LiveSubscription, ...]  # other subscriptions on the sink

    @property
    def delete_sink(self) -> bool:
        return self.sink is not None and not self.sink_users

    def details(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "subscription_sid": self.subscription.sid if self.subscription else None,
            "sink_sid": self.sink.sid if self.sink else None,
            "delete_sink": self.delete_sink,
        }


def remove_plan(design: RemoveDesign, organization: str, account: str) -> Plan:
    kind = design.kind
    sink = design.sink
    where = (sink.destination or f"a {sink.sink_type} sink") if sink else "its sink"
    changes: list[Change] = []
    notes: list[str] = []
    if design.subscription is not None:
        sub = design.subscription
        changes.append(
            Change(
                f"Subscription {mask_sid(sub.sid)} “{sub.description}”",
                "Subscription",
                f"{design.types} event types, to {where}",
                "Deleted",
            )
        )
    if sink is not None and design.delete_sink:
        changes.append(
            Change(
                f"Sink {mask_sid(sink.sid)}",
                "Sink",
                f"{sink.status}, delivers to {where}",
                "Deleted (no other subscription uses it)",
            )
        )
    elif sink is not None:
        users = ", ".join(f"“{s.description}” ({mask_sid(s.sid)})" for s in design.sink_users)
        notes.append(f"The sink {mask_sid(sink.sid)} stays: {users} still use it.")
    notes += [
        f"Loquent stops receiving {kind.noun} events of this account.",
        UNTOUCHED,
    ]
    return Plan(
        action=f"events.{kind.value}.remove",
        title=f"Remove {kind.noun} event streaming",
        organization=organization,
        account=account,
        changes=tuple(changes),
        cost="No charge.",
        affected=(
            "Nobody else: other platforms' sinks and subscriptions and the numbers' webhooks "
            "stay as they are.",
        ),
        notes=tuple(notes),
        details=design.details(),
    )
