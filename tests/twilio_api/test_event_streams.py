"""EventStreamsGateway against the emulator: sinks, subscriptions, subscribed events, the
type catalog and schemas, as domain values, with Twilio's errors translated."""

from __future__ import annotations

from typing import Any

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.sandbox.seed_events import (
    CRM_EVENTS_URL,
    CRM_SINK_DESCRIPTION,
    CRM_SUBSCRIPTION_DESCRIPTION,
)
from loquent_desktop.twilio_api.account import TwilioAccount
from tests.twilio_api import sandbox_account
from tests.twilio_api.sandbox_account import emulator_writes

factory = sandbox_account.factory
demo_account = sandbox_account.demo_account

DESTINATION = "https://events.example.org/loquent"
DELIVERED = "com.twilio.messaging.message.delivered"
SENT = "com.twilio.messaging.message.sent"


def test_lists_read_the_other_platforms_sink_and_subscription(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    gateway = demo_account.event_streams
    sinks = qloop.run_until_complete(gateway.list_sinks())
    subs = qloop.run_until_complete(gateway.list_subscriptions())
    [sink] = sinks
    assert (sink.sink_type, sink.status, sink.destination, sink.description) == (
        "webhook",
        "active",
        CRM_EVENTS_URL,
        CRM_SINK_DESCRIPTION,
    )
    [sub] = subs
    assert (sub.sink_sid, sub.description) == (sink.sid, CRM_SUBSCRIPTION_DESCRIPTION)
    assert qloop.run_until_complete(gateway.list_subscriptions(sink.sid)) == subs
    types = qloop.run_until_complete(gateway.list_subscribed_events(sub.sid))
    assert types == {"com.twilio.messaging.inbound-message.received": 1, DELIVERED: 3}
    assert emulator_writes(sandbox) == []


def test_catalog_and_latest_schema_version(demo_account: TwilioAccount, qloop: Any) -> None:
    gateway = demo_account.event_streams
    catalog = {t.type: t for t in qloop.run_until_complete(gateway.list_event_types())}
    delivered = catalog[DELIVERED]
    assert delivered.status == "available" and delivered.schema_id
    version = qloop.run_until_complete(gateway.fetch_latest_schema_version(delivered.schema_id))
    assert version == 8  # the version the plans show for message events


def test_create_extend_and_delete_a_stream(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    gateway = demo_account.event_streams
    run = qloop.run_until_complete
    sink = run(gateway.create_webhook_sink("Loquent test", DESTINATION, "POST"))
    assert (sink.status, sink.destination, sink.sink_type) == ("active", DESTINATION, "webhook")
    with sandbox.server.state.lock:
        assert sandbox.server.state.sinks[sink.sid].configuration == {
            "destination": DESTINATION,
            "method": "POST",
            "batch_events": False,
        }
    sub = run(gateway.create_subscription("Loquent SMS (test)", sink.sid, {DELIVERED: 8}))
    assert sub.sink_sid == sink.sid
    run(gateway.add_subscribed_event(sub.sid, SENT, 8))
    assert run(gateway.list_subscribed_events(sub.sid)) == {DELIVERED: 8, SENT: 8}

    assert run(gateway.delete_subscription(sub.sid)) is True
    assert run(gateway.delete_sink(sink.sid)) is True
    # Already gone (deleted in the Console meanwhile): the goal is reached, not an error.
    assert run(gateway.delete_subscription(sub.sid)) is False
    assert run(gateway.delete_sink(sink.sid)) is False
    assert [s.destination for s in run(gateway.list_sinks())] == [CRM_EVENTS_URL]


def test_refusals_come_back_as_twilio_api_errors(demo_account: TwilioAccount, qloop: Any) -> None:
    gateway = demo_account.event_streams
    crm_sink = qloop.run_until_complete(gateway.list_sinks())[0]
    # The emulator refuses to delete a sink still in use (stricter than Twilio).
    with pytest.raises(TwilioApiError) as raised:
        qloop.run_until_complete(gateway.delete_sink(crm_sink.sid))
    assert raised.value.status == 400
    with pytest.raises(TwilioApiError):
        qloop.run_until_complete(
            gateway.create_subscription("x", crm_sink.sid, {"com.example.unknown": 1})
        )
