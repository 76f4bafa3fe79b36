"""Where an organization's streams stand in an account, decided from what the account holds
and what Loquent recorded (no I/O here).

Finding: the organization's own subscription (`locate`), another organization's stream on the
same account (`elsewhere`, `Claims`), a sink left with nothing subscribed (`leftover_sink`),
and other platforms' sinks that Loquent leaves alone (`other_sinks`). Status: each stream in
words (`stream_status`), or from the records alone when the account cannot be read
(`recorded_streams`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.event_streams import (
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
from ..domain.validation import mask_sid
from ..store.repositories import EventStreamRecord
from .event_stream_reads import AccountStreams


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
