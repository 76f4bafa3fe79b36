"""Event streaming rules: which Twilio event types each stream carries, how Loquent recognises
its own sinks and subscriptions, and what a stream's state is.

Twilio Event Streams are account-wide: a subscription receives the events of every number and
messaging service of the account. SMS and call streaming are separate subscriptions (set up
and removed independently) that may share one webhook sink, because a sink is just "deliver
to this URL". A sink is Loquent's only when its destination is the organization's events URL
(compared normalised: `HTTPS://Host:443/x/` is `https://host/x`); a subscription is an
organization's when Loquent recorded it for that organization, or when it carries that
organization's own description (found again after the answer to its creation was lost).

Several organizations may be connected to one Twilio account. Each subscription description
names the organization by a tag derived from its random keychain id (no PII, stable across
renames, and not the keychain id itself), so one organization never adopts another's stream.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from .validation import mask_sid

SINK_DESCRIPTION = "Loquent events"
WEBHOOK_METHOD = "POST"
_DEFAULT_PORTS = {"https": 443, "http": 80}


def normalize_destination(url: str) -> str:
    """One spelling per webhook address: scheme and host lower-cased, the default port and a
    trailing "/" dropped. Path, query and their case are kept (servers may tell them apart)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    if not parts.scheme or not parts.hostname:
        return text
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-cased by urlsplit
    if ":" in host:
        host = f"[{host}]"  # IPv6
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, parts.fragment))


def same_destination(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalize_destination(a) == normalize_destination(b)


def organization_tag(keychain_id: str) -> str:
    """The organization's mark in the descriptions Loquent writes to Twilio: derived from its
    random keychain id (unique per organization, kept across renames) without revealing it."""
    return hashlib.sha256(f"loquent-organization:{keychain_id}".encode()).hexdigest()[:12]


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
    def base_description(self) -> str:
        return f"Loquent {self.noun} events"

    def description_for(self, tag: str) -> str:
        """The subscription's Description on Twilio for one organization (no PII, as Twilio
        asks: the organization appears only as its tag)."""
        return f"{self.base_description} (org {tag})"

    def is_loquent(self, description: str) -> bool:
        """A subscription of this kind that some Loquent organization set up (the untagged
        form is what earlier versions wrote)."""
        base = self.base_description
        return description == base or description.startswith(f"{base} (org ")

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
    # The account already streams these events to Loquent for another organization (in words).
    elsewhere: str | None = None
    # From Loquent's records only: Twilio was not read (Shared now, or not connected) and the
    # stream cannot be managed until the organization's own account is usable again.
    from_records: bool = False

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
