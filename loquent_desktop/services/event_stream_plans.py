"""What setting up or removing a stream will do, decided from what the account holds now,
and the plans that say so in words (no I/O here).

Decisions: reuse a webhook sink whose destination is the organization's events URL (never
another platform's sink); extend the organization's existing subscription instead of making a
second; never adopt, extend or delete what another organization recorded (several may share
one Twilio account); delete a sink only when nothing else uses it. After the plan is confirmed,
`setup_drift` tells whether the account changed in a way that makes the plan untrue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.event_streams import (
    SINK_DESCRIPTION,
    WEBHOOK_METHOD,
    Access,
    EventTypeInfo,
    LiveSink,
    LiveSubscription,
    StreamKind,
    StreamStatus,
    lifecycle_order,
    normalize_destination,
    same_destination,
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
class Claim:
    """A stream that another organization of this database recorded."""

    organization: str
    record: EventStreamRecord


def _earlier(a: EventStreamRecord, b: EventStreamRecord) -> bool:
    return (a.created_at, a.id) < (b.created_at, b.id)


@dataclass(frozen=True)
class Claims:
    """What the other organizations recorded: theirs, whatever the account holds."""

    items: tuple[Claim, ...] = ()

    def of_subscription(self, sid: str, mine: EventStreamRecord | None = None) -> Claim | None:
        """Another organization's claim on the subscription `sid`. If `mine` records it too
        (an earlier version let one organization adopt another's), the older record wins."""
        for claim in self.items:
            if claim.record.subscription_sid != sid:
                continue
            if mine is not None and mine.subscription_sid == sid and _earlier(mine, claim.record):
                continue
            return claim
        return None

    def of_sink(self, sid: str) -> tuple[str, ...]:
        """The other organizations whose records name the sink `sid`."""
        names = (c.organization for c in self.items if c.record.sink_sid == sid)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Found:
    """The organization's subscription for one stream kind, and its sink, as found in the
    account."""

    subscription: LiveSubscription | None
    sink: LiveSink | None


def locate(
    kind: StreamKind,
    record: EventStreamRecord | None,
    account: AccountStreams,
    events_url: str,
    description: str,
    claims: Claims,
) -> Found:
    """The recorded subscription; else one with the organization's own description (created
    by an attempt whose answer was lost, or recorded in a database since lost), preferably on
    a sink to the events URL. Never one that another organization recorded."""
    sid = record.subscription_sid if record else None
    theirs = sid is not None and claims.of_subscription(sid, record) is not None
    sub = None if theirs else account.subscription(sid)
    if sub is None:
        ours = {s.sid for s in account.webhooks_to(events_url)}
        mine = [
            s
            for s in account.subscriptions
            if s.description == description and claims.of_subscription(s.sid) is None
        ]
        sub = next((s for s in sorted(mine, key=lambda s: s.sink_sid not in ours)), None)
    return Found(sub, account.sink(sub.sink_sid) if sub else None)


def elsewhere(
    kind: StreamKind, account: AccountStreams, description: str, claims: Claims
) -> str | None:
    """In words: the account already streams `kind` events to Loquent for another
    organization (one this database knows, or a Loquent subscription that is not ours)."""
    for sub in account.subscriptions:
        claim = claims.of_subscription(sub.sid)
        if claim is not None:
            if claim.record.kind != kind.value:
                continue
            who = f"organization “{claim.organization}”"
        elif kind.is_loquent(sub.description) and sub.description != description:
            who = "another Loquent organization (one this database does not know)"
        else:
            continue
        sink = account.sink(sub.sink_sid)
        where = (sink.destination or f"a {sink.sink_type} sink") if sink else "a sink that is gone"
        return (
            f"This Twilio account already streams its {kind.noun} events to Loquent for {who}: "
            f"subscription {mask_sid(sub.sid)} “{sub.description}” to {where}."
        )
    return None


def leftover_sink(
    record: EventStreamRecord | None, found: Found, account: AccountStreams, claims: Claims
) -> LiveSink | None:
    """A sink the organization's record names that nothing uses any more (left by an
    unfinished set-up, or kept by a removal): Remove may delete it."""
    if found.subscription is not None or record is None or not record.sink_sid:
        return None
    sink = account.sink(record.sink_sid)
    if sink is None or account.on_sink(sink.sid) or claims.of_sink(sink.sid):
        return None
    return sink


def other_sinks(
    account: AccountStreams, events_url: str, records: list[EventStreamRecord], claims: Claims
) -> tuple[LiveSink, ...]:
    """Sinks that are not Loquent's: another platform's, which Loquent never touches."""
    everyone = [*records, *(c.record for c in claims.items)]
    ours = {normalize_destination(u) for u in [events_url, *(r.destination for r in everyone)] if u}
    recorded = {r.sink_sid for r in everyone if r.sink_sid}
    return tuple(
        s
        for s in account.sinks
        if s.sid not in recorded
        and (s.destination is None or normalize_destination(s.destination) not in ours)
    )


def stream_status(
    kind: StreamKind,
    record: EventStreamRecord | None,
    found: Found,
    events_url: str,
    subscribed: dict[str, int],
    wanted: list[EventTypeInfo],
    account: AccountStreams,
    leftover: LiveSink | None = None,
    other: str | None = None,
) -> StreamStatus:
    sub, sink = found.subscription, found.sink
    if sub is None:
        recorded_sid = record.subscription_sid if record else None
        gone = recorded_sid is not None and account.subscription(recorded_sid) is None
        words = []
        if gone:
            words.append(
                f"The subscription {mask_sid(recorded_sid)} that Loquent set up is gone from "
                "Twilio (deleted in the Console or by another tool). Set up again to restore it."
            )
        if leftover is not None:
            words.append(
                f"Its sink {mask_sid(leftover.sid)} to {leftover.destination} is left with "
                "nothing subscribed to it: Set up… uses it again, Remove… deletes it."
            )
        return StreamStatus(
            kind,
            sink_sid=leftover.sid if leftover else None,
            sink_status=leftover.status if leftover else None,
            destination=leftover.destination if leftover else None,
            recorded=gone,
            problem=" ".join(words) or None,
            elsewhere=other,
        )
    problem = None
    if sink is None:
        problem = f"Its sink {mask_sid(sub.sink_sid)} is gone: no events are delivered."
    elif sink.status != "active":
        problem = (
            f"Twilio reports its sink {mask_sid(sink.sid)} as “{sink.status}”: events are not "
            "being delivered. Remove the stream and set it up again."
        )
    elif not same_destination(sink.destination, events_url):
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


def recorded_streams(
    records: list[EventStreamRecord], access: Access, account: str | None
) -> dict[StreamKind, StreamStatus]:
    """Streams set up while the organization used its own account, as Loquent recorded them,
    for when that account cannot be read (Shared now, or not connected): Twilio keeps sending
    their events, so they are shown with how to remove them."""
    how = (
        "Removing it needs that account: switch the organization back to BYO on the "
        "Credentials tab, remove the stream here, then switch to Shared again."
        if access is Access.SHARED
        else "Removing it needs that account: connect it again on the Credentials tab, "
        "then remove the stream here."
    )
    streams = {}
    for record in records:
        if not record.subscription_sid:
            continue  # a sink alone delivers nothing
        kind = StreamKind(record.kind)
        streams[kind] = StreamStatus(
            kind,
            subscription_sid=record.subscription_sid,
            sink_sid=record.sink_sid,
            destination=record.destination,
            types=tuple(record.types or ()),
            recorded=True,
            problem=(
                "Loquent set up this stream in the organization's own Twilio account"
                + (f" ({account})" if account else "")
                + f": subscription {mask_sid(record.subscription_sid)} to {record.destination}. "
                f"Twilio keeps sending these events to Loquent until the stream is removed. {how}"
            ),
            from_records=True,
        )
    return streams


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
