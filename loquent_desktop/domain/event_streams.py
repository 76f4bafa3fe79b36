"""Event streaming rules: which Twilio event types each stream carries, how Loquent recognises
its own sinks and subscriptions, and what a stream's state is.

Twilio Event Streams are account-wide: a subscription receives the events of every number and
messaging service of the account. SMS and call streaming are separate subscriptions (set up
and removed independently) that may share one webhook sink, because a sink is just "deliver
to this URL". A sink is Loquent's only when its destination is the organization's events URL;
a subscription is Loquent's when Loquent recorded it, or when it carries Loquent's description
on such a sink (found again after the answer to its creation was lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .validation import mask_sid

SINK_DESCRIPTION = "Loquent events"
WEBHOOK_METHOD = "POST"


class StreamKind(StrEnum):
    SMS = "sms"
    CALLS = "calls"

    @property
    def label(self) -> str:
        return "SMS events" if self is StreamKind.SMS else "Call events"

    @property
    def noun(self) -> str:
        return "SMS" if self is StreamKind.SMS else "call"

    @property
    def description(self) -> str:
        """The subscription's Description on Twilio (no PII, as Twilio asks)."""
        return f"Loquent {self.noun} events"

    @property
    def prefixes(self) -> tuple[str, ...]:
        return _PREFIXES[self]


# SMS: every outbound status (queued, sent, delivered, undelivered, failed, read, and any
# Twilio adds) plus inbound messages. Calls: the call progress status callbacks; not the
# deprecated com.twilio.voice.webhook.status-callback.* names, nor AMD or TwiML events.
_PREFIXES = {
    StreamKind.SMS: ("com.twilio.messaging.message.", "com.twilio.messaging.inbound-message."),
    StreamKind.CALLS: ("com.twilio.voice.status-callback.call.",),
}


@dataclass(frozen=True)
class EventTypeInfo:
    """One entry of Twilio's event-type catalog (GET /v1/Types)."""

    type: str
    schema_id: str
    status: str  # available | deprecated | restricted | discontinued

    @property
    def available(self) -> bool:
        return self.status == "available"


# The order a message or call goes through, for lists people read; unknown steps go last.
_LIFECYCLE = (
    "queued", "sent", "delivered", "undelivered", "failed", "read", "received",
    "initiated", "ringing", "answered", "completed",
)  # fmt: skip


def lifecycle_order(event_type: str) -> tuple[int, str]:
    step = event_type.rsplit(".", 1)[-1]
    rank = _LIFECYCLE.index(step) if step in _LIFECYCLE else len(_LIFECYCLE)
    return rank, event_type


def stream_types(kind: StreamKind, catalog: list[EventTypeInfo]) -> list[EventTypeInfo]:
    """The types `kind` subscribes to: those of its families that Twilio lists as available."""
    chosen = {t.type: t for t in catalog if t.available and t.type.startswith(kind.prefixes)}
    return [chosen[name] for name in sorted(chosen, key=lifecycle_order)]


@dataclass(frozen=True)
class LiveSink:
    """A sink as Twilio reports it now."""

    sid: str
    sink_type: str
    status: str
    destination: str | None  # webhook sinks only
    description: str

    def describe(self) -> str:
        where = self.destination or f"a {self.sink_type} sink"
        return f"{mask_sid(self.sid)} → {where} ({self.description or 'no description'})"


@dataclass(frozen=True)
class LiveSubscription:
    sid: str
    sink_sid: str
    description: str


@dataclass(frozen=True)
class StreamStatus:
    """One stream (SMS or calls) of one organization: what Loquent recorded and what Twilio
    holds now."""

    kind: StreamKind
    subscription_sid: str | None = None
    sink_sid: str | None = None
    sink_status: str | None = None
    destination: str | None = None
    types: tuple[str, ...] = ()  # subscribed now
    missing_types: tuple[str, ...] = ()  # available for this stream but not subscribed
    recorded: bool = False  # Loquent's database knows the subscription
    problem: str | None = None  # something the account manager should fix, in words

    @property
    def is_set_up(self) -> bool:
        return self.subscription_sid is not None

    @property
    def is_active(self) -> bool:
        return self.is_set_up and self.sink_status == "active" and self.problem is None


class Access(StrEnum):
    """Whether streaming can be managed for the organization at all."""

    BYO = "byo"
    SHARED = "shared"
    NOT_CONNECTED = "not_connected"


@dataclass(frozen=True)
class StreamsOverview:
    organization: str
    access: Access
    events_url: str
    events_url_is_default: bool
    account: str = "—"  # masked SID
    sms: StreamStatus | None = None  # None when the account was not read (Shared, not connected)
    calls: StreamStatus | None = None
    other_sinks: tuple[LiveSink, ...] = ()  # sinks Loquent does not touch

    def stream(self, kind: StreamKind) -> StreamStatus | None:
        return self.sms if kind is StreamKind.SMS else self.calls
