"""Event Streams subscriptions (``/v1/Subscriptions`` and their SubscribedEvents), and the
event-type catalog they draw on (``/v1/Types``, ``/v1/Schemas``).

A subscription needs an active sink of the same account and at least one event type, each
sent as one ``Types`` value holding a JSON object ``{"type": ..., "schema_version": N}``;
restricted and discontinued types cannot be subscribed to (deprecated ones still can).
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request, not_found
from loquent_desktop.sandbox.event_catalog import EventSchema, EventType
from loquent_desktop.sandbox.formats import is_sid, iso8601, new_sid, utcnow
from loquent_desktop.sandbox.resources.event_common import BASE, json_object, page, required
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Subscription

_UNSUBSCRIBABLE = ("restricted", "discontinued")


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


# -- form fields -----------------------------------------------------------------------------


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
        entry = json_object(text, "Types")
        event_type = entry.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise bad_request(errors.INVALID_PARAMETER, "Each of Types needs a type")
        types[event_type] = _schema_version(ctx, event_type, entry.get("schema_version"))
    return types


# -- lookups ---------------------------------------------------------------------------------


def _subscription(ctx: Ctx, name: str = "Sid") -> Subscription:
    sid = ctx.sid_param(name, "DF")
    sub = ctx.state.subscriptions.get(sid)
    if sub is None or sub.account_sid != ctx.principal.account_sid:
        raise not_found(ctx.path)
    return sub


# -- subscriptions ---------------------------------------------------------------------------


def list_subscriptions(ctx: Ctx) -> Reply:
    sink_sid = ctx.query.get("SinkSid")
    rows = [
        s
        for s in ctx.state.subscriptions.values()
        if s.account_sid == ctx.principal.account_sid
        and (sink_sid is None or s.sink_sid == sink_sid)
    ]
    return page(ctx, "subscriptions", rows, subscription_json)


def create_subscription(ctx: Ctx) -> Reply:
    description = required(ctx, "Description")
    sink_sid = required(ctx, "SinkSid")
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
    return page(ctx, "types", list(sub.types), lambda t: subscribed_event_json(sub, t), name=str)


def create_subscribed_event(ctx: Ctx) -> Reply:
    sub = _subscription(ctx, "SubscriptionSid")
    event_type = required(ctx, "Type")
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
    return page(ctx, "types", rows, event_type_json, name=lambda t: t.type)


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
