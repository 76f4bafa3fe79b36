"""The Event Streams catalog the emulator serves: event types (/v1/Types) and their schemas
(/v1/Schemas).

Names, schema ids and statuses follow Twilio's published event-type pages (Messaging
outbound and inbound messages, Voice status callbacks, and a few types of other products).
A few entries are deliberately not ``available`` (deprecated, restricted, discontinued),
as Twilio lists them too, so clients must read each type's status instead of assuming.

Records are mutable so a test can change a type's status the way Twilio might.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DOCS = "https://www.twilio.com/docs/events/event-types"
_PUBLISHED = datetime(2023, 5, 22, 16, 0, tzinfo=UTC)


@dataclass(slots=True)
class EventType:
    type: str
    schema_id: str
    description: str
    status: str = "available"  # available | deprecated | restricted | discontinued
    documentation_url: str | None = None
    date_created: datetime = _PUBLISHED
    date_updated: datetime = _PUBLISHED


@dataclass(slots=True)
class EventSchema:
    id: str
    latest_version: int
    latest_version_date_created: datetime = _PUBLISHED


_OUTBOUND = f"{DOCS}/messaging/outbound-message"
_INBOUND = f"{DOCS}/messaging/inbound-message"
_STATUS_CALLBACK = f"{DOCS}/voice/status-callback"
_CALL_PROGRESS = f"{DOCS}/voice/call-progress-event"


def _catalog() -> list[EventType]:
    types = [
        EventType(
            f"com.twilio.messaging.message.{status}",
            "Messaging.MessageStatus",
            f"Messaging - {status} message",
            documentation_url=_OUTBOUND,
        )
        for status in ("queued", "sent", "delivered", "undelivered", "failed", "read")
    ]
    types.append(
        EventType(
            "com.twilio.messaging.inbound-message.received",
            "Messaging.InboundMessageV1",
            "Messaging - inbound message received",
            documentation_url=_INBOUND,
        )
    )
    # The webhook.* names were renamed to com.twilio.voice.status-callback.* in February 2024.
    for prefix, title, status, docs in (
        ("status-callback", "status callback", "available", _STATUS_CALLBACK),
        ("webhook.status-callback", "call progress event", "deprecated", _CALL_PROGRESS),
    ):
        types += [
            EventType(
                f"com.twilio.voice.{prefix}.call.{step}",
                "Voice.WebhookEvent",
                f"Voice - {title}, call {step}",
                status=status,
                documentation_url=docs,
            )
            for step in ("initiated", "ringing", "answered", "completed")
        ]
    types += [
        EventType(
            "com.twilio.voice.status-callback.amd.detected",
            "Voice.WebhookEvent",
            "Voice - status callback, answering machine detected",
            documentation_url=_STATUS_CALLBACK,
        ),
        EventType(
            "com.twilio.voice.twiml.call.redirected",
            "Voice.WebhookEvent",
            "Voice - TwiML call redirected",
            documentation_url=f"{DOCS}/voice/twiml",
        ),
        EventType(
            "com.twilio.accountsecurity.verify.message.delivered",
            "AccountSecurity.MessageStatusEvent",
            "Verify - message delivered",
            documentation_url=f"{DOCS}/verify/message-status",
        ),
        EventType(
            "com.twilio.accountsecurity.verify.attempt-dlr.delivered",
            "AccountSecurity.VerifyEventStreamDLREvent",
            "Verify - attempt delivery receipt, delivered",
            status="restricted",
            documentation_url=f"{DOCS}/verify/message-status",
        ),
        EventType(
            "com.twilio.conversations.delivery.updated",
            "Conversations.DeliveryUpdated",
            "Conversations - delivery updated",
            status="discontinued",
            documentation_url=f"{DOCS}/conversations/delivery",
        ),
    ]
    return types


def default_event_types() -> dict[str, EventType]:
    return {t.type: t for t in _catalog()}


def default_schemas() -> dict[str, EventSchema]:
    versions = {
        "Messaging.MessageStatus": 8,
        "Messaging.InboundMessageV1": 4,
        "Voice.WebhookEvent": 2,
        "AccountSecurity.MessageStatusEvent": 2,
        "AccountSecurity.VerifyEventStreamDLREvent": 1,
        "Conversations.DeliveryUpdated": 2,
    }
    return {name: EventSchema(name, version) for name, version in versions.items()}
