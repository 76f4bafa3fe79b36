"""Event Streams v1 in the emulator, through the real twilio library (every response is
checked against tests/specs/twilio_events_v1.json by the fixture's HTTP client).

What a client would notice: sinks and subscriptions behave like Twilio's (create, fetch,
update, delete, filters, v1 paging with absolute next-page URLs), the type catalog says which
types are available, bad requests fail with Twilio-shaped errors, and one account never sees
another's sinks.
"""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException

from loquent_desktop.sandbox.seed_events import CRM_EVENTS_URL

WEBHOOK = {
    "destination": "https://hooks.example.org/twilio",
    "method": "POST",
    "batch_events": False,
}
SENT = "com.twilio.messaging.message.sent"
DELIVERED = "com.twilio.messaging.message.delivered"


def make_sink(client, destination: str = WEBHOOK["destination"]):  # type: ignore[no-untyped-def]
    config = {**WEBHOOK, "destination": destination}
    return client.events.v1.sinks.create(
        description="Test sink", sink_configuration=config, sink_type="webhook"
    )


def test_the_demo_account_has_a_crm_sink_and_subscription(sandbox) -> None:
    events = sandbox.client().events.v1
    sinks = events.sinks.list()
    assert [(s.sink_type, s.status, s.sink_configuration["destination"]) for s in sinks] == [
        ("webhook", "active", CRM_EVENTS_URL)
    ]
    subs = events.subscriptions.list()
    assert len(subs) == 1 and subs[0].sink_sid == sinks[0].sid
    types = events.subscriptions(subs[0].sid).subscribed_events.list()
    assert {t.type for t in types} == {
        "com.twilio.messaging.inbound-message.received",
        DELIVERED,
    }


def test_sink_create_fetch_update_delete(sandbox) -> None:
    events = sandbox.client().events.v1
    sink = make_sink(sandbox.client())
    assert sink.sid.startswith("DG") and sink.status == "active"
    assert sink.sink_configuration == WEBHOOK
    assert sink.links["sink_test"].startswith("https://events.twilio.com/v1/Sinks/")
    assert events.sinks(sink.sid).fetch().description == "Test sink"
    assert events.sinks(sink.sid).update(description="Renamed").description == "Renamed"
    assert events.sinks(sink.sid).delete() is True
    with pytest.raises(TwilioRestException) as err:
        events.sinks(sink.sid).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("sink_type", "config"),
    [
        ("kinesis", {"arn": "arn:aws:kinesis:x", "role_arn": "arn:aws:iam:r", "external_id": "e"}),
        ("segment", {"write_key": "k"}),
    ],
)  # fmt: skip
def test_other_sink_types(sandbox, sink_type: str, config: dict) -> None:
    sink = sandbox.client().events.v1.sinks.create(
        description="Other", sink_configuration=config, sink_type=sink_type
    )
    assert (sink.sink_type, sink.sink_configuration) == (sink_type, config)


@pytest.mark.parametrize(
    "data",
    [
        {"SinkType": "webhook", "SinkConfiguration": json.dumps(WEBHOOK)},  # no Description
        {"Description": "x", "SinkType": "email", "SinkConfiguration": json.dumps(WEBHOOK)},
        {"Description": "x", "SinkType": "webhook", "SinkConfiguration": "{not json"},
        {"Description": "x", "SinkType": "webhook", "SinkConfiguration": '{"method": "POST"}'},
        {"Description": "x", "SinkType": "webhook",
         "SinkConfiguration": json.dumps({**WEBHOOK, "destination": "ftp://x"})},
        {"Description": "x", "SinkType": "kinesis", "SinkConfiguration": '{"arn": "a"}'},
    ],
)  # fmt: skip
def test_bad_sinks_are_refused_with_twilio_errors(sandbox, data: dict) -> None:
    resp = sandbox.raw("POST", "/v1/Sinks", data=data)  # the error body is spec-checked
    assert resp.status_code == 400 and resp.json()["code"] == 21200
    sinks = sandbox.client().events.v1.sinks.list()
    assert [s.sink_configuration["destination"] for s in sinks] == [CRM_EVENTS_URL]


def test_subscription_types_versions_and_sink_filter(sandbox) -> None:
    client = sandbox.client()
    events = client.events.v1
    sink = make_sink(client)
    sub = events.subscriptions.create(
        description="Mine",
        sink_sid=sink.sid,
        types=[{"type": SENT, "schema_version": 2}, {"type": DELIVERED}],
    )
    assert sub.sid.startswith("DF") and sub.sink_sid == sink.sid
    assert sub.links["subscribed_events"].endswith(f"/Subscriptions/{sub.sid}/SubscribedEvents")
    latest = events.schemas("Messaging.MessageStatus").fetch().latest_version
    listed = events.subscriptions(sub.sid).subscribed_events.list()
    subscribed = {t.type: t.schema_version for t in listed}
    assert subscribed == {SENT: 2, DELIVERED: latest}  # no version given: the latest
    assert [s.sid for s in events.subscriptions.list(sink_sid=sink.sid)] == [sub.sid]
    assert len(events.subscriptions.list()) == 2  # the CRM's too
    assert events.subscriptions(sub.sid).update(description="New").description == "New"
    assert events.subscriptions(sub.sid).delete() is True
    assert events.subscriptions.list(sink_sid=sink.sid) == []


@pytest.mark.parametrize(
    ("types", "reason"),
    [
        ([], "Missing required parameter Types"),
        ([{"type": "com.twilio.messaging.message.teleported"}], "Unknown event type"),
        ([{"type": "com.twilio.accountsecurity.verify.attempt-dlr.delivered"}], "restricted"),
        ([{"type": "com.twilio.conversations.delivery.updated"}], "discontinued"),
        ([{"type": SENT, "schema_version": 99}], "does not exist"),
    ],
)
def test_bad_subscriptions_are_refused(sandbox, types: list, reason: str) -> None:
    sink = make_sink(sandbox.client())
    data = {"Description": "x", "SinkSid": sink.sid, "Types": [json.dumps(t) for t in types]}
    resp = sandbox.raw("POST", "/v1/Subscriptions", data=data)
    assert resp.status_code == 400 and reason in resp.json()["message"]
    assert sandbox.client().events.v1.subscriptions.list(sink_sid=sink.sid) == []


def test_deprecated_types_can_still_be_subscribed(sandbox) -> None:
    client = sandbox.client()
    old = "com.twilio.voice.webhook.status-callback.call.answered"
    assert client.events.v1.event_types(old).fetch().status == "deprecated"
    sub = client.events.v1.subscriptions.create(
        description="Old", sink_sid=make_sink(client).sid, types=[{"type": old}]
    )
    assert [t.type for t in client.events.v1.subscriptions(sub.sid).subscribed_events.list()] == [
        old
    ]


def test_a_subscription_needs_an_active_sink_of_the_account(sandbox) -> None:
    client = sandbox.client()
    sink = make_sink(client)
    with sandbox.state.lock:
        sandbox.state.sinks[sink.sid].status = "failed"
    for sink_sid in (sink.sid, "DG" + "0" * 32):
        with pytest.raises(TwilioRestException) as err:
            client.events.v1.subscriptions.create(
                description="x", sink_sid=sink_sid, types=[{"type": SENT}]
            )
        assert err.value.status == 400


def test_a_sink_in_use_is_not_deleted_and_in_use_filters(sandbox) -> None:
    client = sandbox.client()
    events = client.events.v1
    used, unused = make_sink(client), make_sink(client, "https://spare.example.org/e")
    events.subscriptions.create(description="x", sink_sid=used.sid, types=[{"type": SENT}])
    with pytest.raises(TwilioRestException) as err:
        events.sinks(used.sid).delete()
    assert err.value.status == 400 and "still used" in err.value.msg
    assert events.sinks(used.sid).fetch().status == "active"
    assert {s.sid for s in events.sinks.list(in_use=False)} == {unused.sid}
    assert used.sid in {s.sid for s in events.sinks.list(in_use=True)}
    assert {s.sid for s in events.sinks.list(status="active")} >= {used.sid, unused.sid}


def test_subscribed_events_add_update_remove(sandbox) -> None:
    client = sandbox.client()
    sub = client.events.v1.subscriptions.create(
        description="x", sink_sid=make_sink(client).sid, types=[{"type": SENT}]
    )
    api = client.events.v1.subscriptions(sub.sid).subscribed_events
    added = api.create(type=DELIVERED, schema_version=3)
    assert (added.type, added.schema_version, added.subscription_sid) == (DELIVERED, 3, sub.sid)
    assert api(DELIVERED).update(schema_version=4).schema_version == 4
    assert api(DELIVERED).fetch().schema_version == 4
    assert api(DELIVERED).delete() is True
    assert [t.type for t in api.list()] == [SENT]
    with pytest.raises(TwilioRestException) as err:
        api(DELIVERED).fetch()
    assert err.value.status == 404


def test_type_catalog_statuses_filter_and_absolute_paging(sandbox) -> None:
    events = sandbox.client().events.v1
    everything = events.event_types.list()
    statuses = {t.status for t in everything}
    assert statuses == {"available", "deprecated", "restricted", "discontinued"}
    names = {t.type for t in everything if t.status == "available"}
    assert {SENT, DELIVERED, "com.twilio.messaging.inbound-message.received"} <= names
    assert "com.twilio.voice.status-callback.call.completed" in names
    # Small pages: the library follows meta.next_page_url (absolute, on events.twilio.com).
    paged = events.event_types.list(page_size=3)
    assert [t.type for t in paged] == [t.type for t in everything]
    first = sandbox.raw("GET", "/v1/Types?PageSize=3").json()
    assert first["meta"]["key"] == "types"
    assert first["meta"]["next_page_url"].startswith("https://events.twilio.com/v1/Types?")
    voice = events.event_types.list(schema_id="Voice.WebhookEvent")
    assert voice and all(t.schema_id == "Voice.WebhookEvent" for t in voice)
    fetched = events.event_types(SENT).fetch()
    assert (fetched.schema_id, fetched.status) == ("Messaging.MessageStatus", "available")
    assert fetched.links["schema"].endswith("/Schemas/Messaging.MessageStatus/Versions")


def test_sinks_page_with_absolute_urls(sandbox) -> None:
    client = sandbox.client()
    for n in range(4):
        make_sink(client, f"https://hooks.example.org/{n}")
    assert len(client.events.v1.sinks.list(page_size=2)) == 5
    body = sandbox.raw("GET", "/v1/Sinks?PageSize=2").json()
    assert body["meta"]["next_page_url"].startswith("https://events.twilio.com/v1/Sinks?")
    assert len(body["sinks"]) == 2


def test_another_account_sees_none_of_these(sandbox) -> None:
    shared = sandbox.client(sandbox.info.shared_account_sid, sandbox.info.shared_auth_token,
                            account_sid=sandbox.info.shared_account_sid)  # fmt: skip
    assert shared.events.v1.sinks.list() == []
    assert shared.events.v1.subscriptions.list() == []
    crm_sink = sandbox.client().events.v1.sinks.list()[0].sid
    with pytest.raises(TwilioRestException) as err:
        shared.events.v1.sinks(crm_sink).delete()
    assert err.value.status == 404
    assert len(sandbox.client().events.v1.sinks.list()) == 1


def test_unknown_type_and_schema_are_404(sandbox) -> None:
    for path in ("/v1/Types/com.twilio.nothing", "/v1/Schemas/Nothing.Here"):
        assert sandbox.raw("GET", path).status_code == 404
