"""Event Streams sinks (``/v1/Sinks``): where Twilio delivers an account's events.

A sink needs Description, SinkType and a SinkConfiguration JSON object with the keys its type
requires; new sinks are ``active`` (Twilio no longer runs a validation step). Stricter than we
know Twilio to be: a sink that a subscription still uses cannot be deleted, so a client that
would orphan a subscription fails loudly in tests.
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request, not_found
from loquent_desktop.sandbox.formats import iso8601, new_sid, parse_bool, utcnow
from loquent_desktop.sandbox.resources.event_common import BASE, json_object, page, required
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Sink

SINK_TYPES = ("webhook", "kinesis", "segment")
# What each sink type's SinkConfiguration must hold (Twilio's sink quickstarts).
_REQUIRED_CONFIG = {
    "webhook": ("destination", "method"),
    "kinesis": ("arn", "role_arn", "external_id"),
    "segment": ("write_key",),
}


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


def _sink_configuration(sink_type: str, text: str) -> dict[str, Any]:
    config = json_object(text, "SinkConfiguration")
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


def _sink(ctx: Ctx, sid: str) -> Sink:
    sink = ctx.state.sinks.get(sid)
    if sink is None or sink.account_sid != ctx.principal.account_sid:
        raise not_found(ctx.path)
    return sink


def _in_use(ctx: Ctx, sink_sid: str) -> bool:
    return any(s.sink_sid == sink_sid for s in ctx.state.subscriptions.values())


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
    return page(ctx, "sinks", rows, sink_json)


def create_sink(ctx: Ctx) -> Reply:
    description = required(ctx, "Description")
    sink_type = required(ctx, "SinkType")
    if sink_type not in SINK_TYPES:
        raise bad_request(
            errors.INVALID_PARAMETER, f"SinkType must be one of {', '.join(SINK_TYPES)}"
        )
    config = _sink_configuration(sink_type, required(ctx, "SinkConfiguration"))
    now = utcnow()
    sink = Sink(new_sid("DG"), ctx.principal.account_sid, description, sink_type, config, now, now)
    ctx.state.add(ctx.state.sinks, sink)
    return Reply(201, sink_json(sink))


def fetch_sink(ctx: Ctx) -> Reply:
    return Reply(200, sink_json(_sink(ctx, ctx.sid_param("Sid", "DG"))))


def update_sink(ctx: Ctx) -> Reply:
    sink = _sink(ctx, ctx.sid_param("Sid", "DG"))
    sink.description = required(ctx, "Description")
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


ROUTES = [
    route("/v1/Sinks", get=list_sinks, post=create_sink),
    route("/v1/Sinks/{Sid}", get=fetch_sink, post=update_sink, delete=delete_sink),
]
