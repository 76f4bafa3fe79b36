"""Event Streams v1 (events.twilio.com): Sinks, Subscriptions, SubscribedEvents, Types, Schemas.

Sinks and subscriptions belong to the account the credentials act for (v1 URLs carry no
AccountSid). Lists use the v1 envelope (``meta`` with absolute ``next_page_url``).

Rules the emulator enforces, as Twilio does: a sink needs Description, SinkType and a
SinkConfiguration JSON object with the keys its type requires; new sinks are ``active`` (Twilio
no longer runs a validation step); a subscription needs an active sink of the same account and
at least one event type, each sent as one ``Types`` value holding a JSON object
``{"type": ..., "schema_version": N}``; restricted and discontinued types cannot be subscribed
to (deprecated ones still can). One rule is stricter than we know Twilio to be: a sink that a
subscription still uses cannot be deleted, so a client that would orphan a subscription fails
loudly in tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request, not_found
from loquent_desktop.sandbox.event_catalog import EventSchema, EventType
from loquent_desktop.sandbox.formats import is_sid, iso8601, new_sid, parse_bool, utcnow
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v1_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Sink, Subscription

HOST = "events.twilio.com"
BASE = f"https://{HOST}/v1"
SINK_TYPES = ("webhook", "kinesis", "segment")
# What each sink type's SinkConfiguration must hold (Twilio's sink quickstarts).
_REQUIRED_CONFIG = {
    "webhook": ("destination", "method"),
    "kinesis": ("arn", "role_arn", "external_id"),
    "segment": ("write_key",),
}
_UNSUBSCRIBABLE = ("restricted", "discontinued")
T = TypeVar("T")


# -- JSON ------------------------------------------------------------------------------------


def sink_json(s: Sink) -> dict[str, Any]:
    url = f"{BASE}/Sinks/{s.sid}"
    return {
        "date_created": iso8601(s.date_created),
        "date_updated": iso8601(s.date_updated),
        "description": s.description,
        "sid": s.sid,
        "sink_configuration": dict(s.configuration),
        "sink_type": s.sink_type,
        "status": s.status,
        "url": url,
        "links": {"sink_test": f"{url}/Test", "sink_validate": f"{url}/Validate"},
    }


def subscription_json(s: Subscription) -> dict[str, Any]:
    url = f"{BASE}/Subscriptions/{s.sid}"
    return {
        "account_sid": s.account_sid,
        "sid": s.sid,
        "date_created": iso8601(s.date_created),
        "date_updated": iso8601(s.date_updated),
        "description": s.description,
        "sink_sid": s.sink_sid,
        "url": url,
        "links": {"subscribed_events": f"{url}/SubscribedEvents"},
    }


def subscribed_event_json(s: Subscription, event_type: str) -> dict[str, Any]:
    return {
        "account_sid": s.account_sid,
        "type": event_type,
        "schema_version": s.types[event_type],
        "subscription_sid": s.sid,
        "url": f"{BASE}/Subscriptions/{s.sid}/SubscribedEvents/{event_type}",
    }


def event_type_json(t: EventType) -> dict[str, Any]:
    return {
        "type": t.type,
        "schema_id": t.schema_id,
        "date_created": iso8601(t.date_created),
        "date_updated": iso8601(t.date_updated),
        "description": t.description,
        "status": t.status,
        "documentation_url": t.documentation_url,
        "url": f"{BASE}/Types/{t.type}",
        "links": {"schema": f"{BASE}/Schemas/{t.schema_id}/Versions"},
    }


def schema_json(s: EventSchema) -> dict[str, Any]:
    url = f"{BASE}/Schemas/{s.id}"
    return {
        "id": s.id,
        "url": url,
        "links": {"versions": f"{url}/Versions"},
        "latest_version_date_created": iso8601(s.latest_version_date_created),
        "latest_version": s.latest_version,
    }


def _page(
    ctx: Ctx, key: str, items: Sequence[T], rows: Callable[[T], dict[str, Any]],
    name: Callable[[T], str] | None = None,
) -> Reply:  # fmt: skip
    """One v1 page of ``items``. Records without a SID (types, subscribed events) are paged
    by their position in ``items``, named by ``name``."""
    req = parse_page_request(ctx.query)
    if name is None:
        sl = select_page(items, req, ctx.state.seq_of)
        body = v1_envelope(HOST, ctx.path, key, req, sl, [rows(i) for i in sl.items])
    else:
        order = {name(item): index for index, item in enumerate(items)}
        sl = select_page(items, req, order, seq=lambda item: order[name(item)])
        body = v1_envelope(HOST, ctx.path, key, req, sl, [rows(i) for i in sl.items], sid=name)
    return Reply(200, body)


# -- form fields -----------------------------------------------------------------------------


def _required(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name, "").strip()
    if not value:
        raise bad_request(errors.INVALID_PARAMETER, f"Missing required parameter {name}")
    return value


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_request(errors.INVALID_PARAMETER, f"{name} is not valid JSON") from None
    if not isinstance(value, dict):
        raise bad_request(errors.INVALID_PARAMETER, f"{name} must be a JSON object")
    return value


def _sink_configuration(sink_type: str, text: str) -> dict[str, Any]:
    config = _json_object(text, "SinkConfiguration")
    missing = [key for key in _REQUIRED_CONFIG[sink_type] if not config.get(key)]
    if missing:
        raise bad_request(
            errors.INVALID_PARAMETER,
            f"SinkConfiguration of a {sink_type} sink needs {', '.join(missing)}",
        )
    if sink_type == "webhook":
        destination = str(config["destination"])
        if not destination.lower().startswith(("http://", "https://")):
            raise bad_request(
                errors.INVALID_PARAMETER, f"destination is not a valid URL: {destination}"
            )
        if str(config["method"]).upper() not in ("GET", "POST"):
            raise bad_request(errors.INVALID_PARAMETER, "method must be GET or POST")
        if "batch_events" in config and not isinstance(config["batch_events"], bool):
            raise bad_request(errors.INVALID_PARAMETER, "batch_events must be true or false")
    return config


def _schema_version(ctx: Ctx, event_type: str, given: object) -> int:
    """The version to subscribe to: as given (1..latest), or the schema's latest."""
    known = ctx.state.event_types.get(event_type)
    if known is None:
        raise bad_request(errors.INVALID_PARAMETER, f"Unknown event type {event_type}")
    if known.status in _UNSUBSCRIBABLE:
        raise bad_request(errors.INVALID_PARAMETER, f"Event type {event_type} is {known.status}")
    latest = ctx.state.event_schemas[known.schema_id].latest_version
    if given is None or given == "":
        return latest
    try:
        version = int(str(given))
    except ValueError:
        version = 0
    if not 1 <= version <= latest:
        raise bad_request(
            errors.INVALID_PARAMETER,
            f"schema_version {given} of {event_type} does not exist (latest is {latest})",
        )
    return version


def _types(ctx: Ctx) -> dict[str, int]:
    values = ctx.form.getall("Types", [])
    if not values:
        raise bad_request(errors.INVALID_PARAMETER, "Missing required parameter Types")
    types: dict[str, int] = {}
    for text in values:
        entry = _json_object(text, "Types")
        event_type = entry.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise bad_request(errors.INVALID_PARAMETER, "Each of Types needs a type")
        types[event_type] = _schema_version(ctx, event_type, entry.get("schema_version"))
    return types


# -- lookups ---------------------------------------------------------------------------------


def _sink(ctx: Ctx, sid: str) -> Sink:
    sink = ctx.state.sinks.get(sid)
    if sink is None or sink.account_sid != ctx.principal.account_sid:
        raise not_found(ctx.path)
    return sink


def _subscription(ctx: Ctx, name: str = "Sid") -> Subscription:
    sid = ctx.sid_param(name, "DF")
    sub = ctx.state.subscriptions.get(sid)
    if sub is None or sub.account_sid != ctx.principal.account_sid:
        raise not_found(ctx.path)
    return sub


def _in_use(ctx: Ctx, sink_sid: str) -> bool:
    return any(s.sink_sid == sink_sid for s in ctx.state.subscriptions.values())


# -- sinks -----------------------------------------------------------------------------------


def list_sinks(ctx: Ctx) -> Reply:
    in_use = parse_bool(ctx.query.get("InUse"))
    status = ctx.query.get("Status")
    rows = [
        s
        for s in ctx.state.sinks.values()
        if s.account_sid == ctx.principal.account_sid
        and (in_use is None or _in_use(ctx, s.sid) == in_use)
        and (status is None or s.status == status)
    ]
    return _page(ctx, "sinks", rows, sink_json)


def create_sink(ctx: Ctx) -> Reply:
    description = _required(ctx, "Description")
    sink_type = _required(ctx, "SinkType")
    if sink_type not in SINK_TYPES:
        raise bad_request(
            errors.INVALID_PARAMETER, f"SinkType must be one of {', '.join(SINK_TYPES)}"
        )
    config = _sink_configuration(sink_type, _required(ctx, "SinkConfiguration"))
    now = utcnow()
    sink = Sink(new_sid("DG"), ctx.principal.account_sid, description, sink_type, config, now, now)
    ctx.state.add(ctx.state.sinks, sink)
    return Reply(201, sink_json(sink))


def fetch_sink(ctx: Ctx) -> Reply:
    return Reply(200, sink_json(_sink(ctx, ctx.sid_param("Sid", "DG"))))


def update_sink(ctx: Ctx) -> Reply:
    sink = _sink(ctx, ctx.sid_param("Sid", "DG"))
    sink.description = _required(ctx, "Description")
    sink.date_updated = utcnow()
    return Reply(200, sink_json(sink))


def delete_sink(ctx: Ctx) -> Reply:
    sink = _sink(ctx, ctx.sid_param("Sid", "DG"))
    if _in_use(ctx, sink.sid):
        raise bad_request(
            errors.INVALID_PARAMETER, f"Sink {sink.sid} is still used by a subscription"
        )
    del ctx.state.sinks[sink.sid]
    return Reply(204)


# -- subscriptions ---------------------------------------------------------------------------


def list_subscriptions(ctx: Ctx) -> Reply:
    sink_sid = ctx.query.get("SinkSid")
    rows = [
        s
        for s in ctx.state.subscriptions.values()
        if s.account_sid == ctx.principal.account_sid
        and (sink_sid is None or s.sink_sid == sink_sid)
    ]
    return _page(ctx, "subscriptions", rows, subscription_json)


def create_subscription(ctx: Ctx) -> Reply:
    description = _required(ctx, "Description")
    sink_sid = _required(ctx, "SinkSid")
    sink = ctx.state.sinks.get(sink_sid) if is_sid(sink_sid, "DG") else None
    if sink is None or sink.account_sid != ctx.principal.account_sid:
        raise bad_request(errors.INVALID_PARAMETER, f"SinkSid {sink_sid} was not found")
    if sink.status != "active":
        raise bad_request(errors.INVALID_PARAMETER, f"Sink {sink_sid} is not active")
    types = _types(ctx)
    now = utcnow()
    sub = Subscription(
        new_sid("DF"), ctx.principal.account_sid, sink_sid, description, types, now, now
    )
    ctx.state.add(ctx.state.subscriptions, sub)
    return Reply(201, subscription_json(sub))


def fetch_subscription(ctx: Ctx) -> Reply:
    return Reply(200, subscription_json(_subscription(ctx)))


def update_subscription(ctx: Ctx) -> Reply:
    sub = _subscription(ctx)
    if "Description" in ctx.form:
        sub.description = ctx.form["Description"]
    sub.date_updated = utcnow()
    return Reply(200, subscription_json(sub))


def delete_subscription(ctx: Ctx) -> Reply:
    sub = _subscription(ctx)
    del ctx.state.subscriptions[sub.sid]
    return Reply(204)


# -- subscribed events -----------------------------------------------------------------------


def list_subscribed_events(ctx: Ctx) -> Reply:
    sub = _subscription(ctx, "SubscriptionSid")
    return _page(ctx, "types", list(sub.types), lambda t: subscribed_event_json(sub, t), name=str)


def create_subscribed_event(ctx: Ctx) -> Reply:
    sub = _subscription(ctx, "SubscriptionSid")
    event_type = _required(ctx, "Type")
    existed = event_type in sub.types
    sub.types[event_type] = _schema_version(ctx, event_type, ctx.form.get("SchemaVersion"))
    sub.date_updated = utcnow()
    return Reply(200 if existed else 201, subscribed_event_json(sub, event_type))


def _subscribed(ctx: Ctx) -> tuple[Subscription, str]:
    sub = _subscription(ctx, "SubscriptionSid")
    event_type = ctx.params["Type"]
    if event_type not in sub.types:
        raise not_found(ctx.path)
    return sub, event_type


def fetch_subscribed_event(ctx: Ctx) -> Reply:
    return Reply(200, subscribed_event_json(*_subscribed(ctx)))


def update_subscribed_event(ctx: Ctx) -> Reply:
    sub, event_type = _subscribed(ctx)
    if "SchemaVersion" in ctx.form:
        sub.types[event_type] = _schema_version(ctx, event_type, ctx.form["SchemaVersion"])
    return Reply(200, subscribed_event_json(sub, event_type))


def delete_subscribed_event(ctx: Ctx) -> Reply:
    sub, event_type = _subscribed(ctx)
    del sub.types[event_type]
    sub.date_updated = utcnow()
    return Reply(204)


# -- types and schemas -----------------------------------------------------------------------


def list_types(ctx: Ctx) -> Reply:
    schema_id = ctx.query.get("SchemaId")
    rows = [
        t for t in ctx.state.event_types.values() if schema_id is None or t.schema_id == schema_id
    ]
    return _page(ctx, "types", rows, event_type_json, name=lambda t: t.type)


def fetch_type(ctx: Ctx) -> Reply:
    found = ctx.state.event_types.get(ctx.params["Type"])
    if found is None:
        raise not_found(ctx.path)
    return Reply(200, event_type_json(found))


def fetch_schema(ctx: Ctx) -> Reply:
    found = ctx.state.event_schemas.get(ctx.params["Id"])
    if found is None:
        raise not_found(ctx.path)
    return Reply(200, schema_json(found))


_SUBSCRIBED = "/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents"
ROUTES = [
    route("/v1/Sinks", get=list_sinks, post=create_sink),
    route("/v1/Sinks/{Sid}", get=fetch_sink, post=update_sink, delete=delete_sink),
    route("/v1/Subscriptions", get=list_subscriptions, post=create_subscription),
    route(
        "/v1/Subscriptions/{Sid}",
        get=fetch_subscription,
        post=update_subscription,
        delete=delete_subscription,
    ),
    route(_SUBSCRIBED, get=list_subscribed_events, post=create_subscribed_event),
    route(
        f"{_SUBSCRIBED}/{{Type}}",
        get=fetch_subscribed_event,
        post=update_subscribed_event,
        delete=delete_subscribed_event,
    ),
    route("/v1/Types", get=list_types),
    route("/v1/Types/{Type}", get=fetch_type),
    route("/v1/Schemas/{Id}", get=fetch_schema),
]
