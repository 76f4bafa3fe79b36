"""The plans for setting up or removing a stream: what was decided (`SetupDesign`,
`RemoveDesign`) and the `Plan` that says so in words (no I/O here).

Decisions (made in `event_stream_setup` / `event_stream_removal` from what the account holds
now, see `event_stream_status`): reuse a webhook sink whose destination is the organization's
events URL (never another platform's sink); extend the organization's existing subscription
instead of making a second; never adopt, extend or delete what another organization recorded
(several may share one Twilio account); delete a sink only when nothing else uses it. After
the plan is confirmed, `setup_drift` tells whether the account changed in a way that makes
the plan untrue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.event_streams import (
    SINK_DESCRIPTION,
    WEBHOOK_METHOD,
    LiveSink,
    LiveSubscription,
    StreamKind,
    same_destination,
)
from ..domain.plans import Change, Plan
from ..domain.validation import mask_sid
from .event_stream_reads import AccountStreams
from .event_stream_status import Claims, elsewhere, locate

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


# -- set up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupDesign:
    kind: StreamKind
    destination: str
    description: str  # of a new subscription: names the organization by its tag
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
            "description": self.description,
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
        sub_res = f"Subscription “{design.description}” (new)"
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


def setup_drift(
    design: SetupDesign,
    live: AccountStreams,
    subscribed_now: dict[str, int],
    claims: Claims,
) -> str | None:
    """What changed in the account since the plan was shown that would make carrying it out
    do something the plan did not say (a second sink or subscription, a sink or types that are
    not as listed); None when the plan still holds."""
    url, kind = design.destination, design.kind
    if design.sink is None:
        appeared = live.webhooks_to(url)
        if appeared:
            return f"a sink to {url} ({mask_sid(appeared[0].sid)}) was created meanwhile"
    else:
        sid = mask_sid(design.sink.sid)
        now = live.sink(design.sink.sid)
        if now is None:
            return f"the sink {sid} was deleted"
        if now.status != "active":
            return f"Twilio now reports the sink {sid} as “{now.status}”"
        if not same_destination(now.destination, url):
            return f"the sink {sid} now delivers to {now.destination}"
    if design.subscription is None:
        found = locate(kind, None, live, url, design.description, claims)
        if found.subscription is not None:
            sub = found.subscription
            return f"the subscription {mask_sid(sub.sid)} “{sub.description}” was created meanwhile"
        other = elsewhere(kind, live, design.description, claims)
        if other is not None:
            return other.rstrip(".")
    else:
        sid = mask_sid(design.subscription.sid)
        if live.subscription(design.subscription.sid) is None:
            return f"the subscription {sid} was deleted"
        if subscribed_now != design.subscribed:
            return f"the event types of the subscription {sid} changed"
    return None


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
    sink_claims: tuple[str, ...] = ()  # other organizations whose records name the sink
    sink_created: bool = False  # per the record: Loquent created the sink

    @property
    def delete_sink(self) -> bool:
        return self.sink is not None and not self.sink_users and not self.sink_claims

    def users_text(self) -> str:
        """Who else uses the sink, in words."""
        users = [f"“{s.description}” ({mask_sid(s.sid)})" for s in self.sink_users]
        users += [f"organization “{name}”" for name in self.sink_claims]
        return ", ".join(users)

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
        notes.append(f"The sink {mask_sid(sink.sid)} stays: {design.users_text()} still use it.")
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
