"""Demo Event Streams data: what another platform already set up in the customer's account.

The demo account's CRM streams message events to its own webhook. Loquent must leave that
sink and subscription alone (never reuse, change or delete them), so the seed gives the tests
something real to prove it with.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from loquent_desktop.sandbox.formats import new_sid
from loquent_desktop.sandbox.state import SandboxState, Sink, Subscription

CRM_EVENTS_URL = "https://crm.example.com/twilio/events"
CRM_SINK_DESCRIPTION = "CRM activity feed"
CRM_SUBSCRIPTION_DESCRIPTION = "CRM message log"
_CREATED = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


def seed_events(state: SandboxState, rng: random.Random, account_sid: str) -> None:
    """One webhook sink of another platform with one subscription to two messaging types."""
    with state.lock:
        sink = Sink(
            new_sid("DG", rng),
            account_sid,
            CRM_SINK_DESCRIPTION,
            "webhook",
            {"destination": CRM_EVENTS_URL, "method": "POST", "batch_events": True},
            _CREATED,
            _CREATED,
        )
        state.add(state.sinks, sink)
        types = {
            "com.twilio.messaging.inbound-message.received": 1,
            "com.twilio.messaging.message.delivered": 3,
        }
        subscription = Subscription(
            new_sid("DF", rng),
            account_sid,
            sink.sid,
            CRM_SUBSCRIPTION_DESCRIPTION,
            types,
            _CREATED,
            _CREATED,
        )
        state.add(state.subscriptions, subscription)
