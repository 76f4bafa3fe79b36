"""Calls: the account's call history, read-only (list with filters, fetch).

The list is newest first (by ``start_time``), filtered by ``To``, ``From``, ``Status``,
``ParentCallSid`` and the day-granular ``StartTime`` / ``EndTime`` families (``<`` is
"before this date", ``>`` "on or after", as the spec documents them), and paged with
tokens that stay stable while new calls arrive. See ``timeline`` for how.
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import timeline
from loquent_desktop.sandbox.errors import INVALID_PARAMETER, bad_request
from loquent_desktop.sandbox.formats import format_national, rfc2822
from loquent_desktop.sandbox.paging import parse_page_request, v2010_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Call

# call_enum_status in the spec.
STATUSES = (
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled",
)  # fmt: skip
_SUBRESOURCES = (
    "Notifications", "Recordings", "Payments", "Events", "Siprec", "Streams", "Transcriptions",
    "UserDefinedMessageSubscriptions", "UserDefinedMessages",
)  # fmt: skip
# subresource_uris keys are the snake_case names: user_defined_messages -> UserDefinedMessages.
_SUBRESOURCE_KEYS = {
    "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_"): name
    for name in _SUBRESOURCES
}


def call_json(c: Call) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{c.account_sid}/Calls/{c.sid}"
    return {
        "account_sid": c.account_sid,
        "answered_by": c.answered_by,
        "api_version": c.api_version,
        "caller_name": c.caller_name,
        "date_created": rfc2822(c.date_created or c.start_time),
        "date_updated": rfc2822(c.date_updated or c.end_time or c.start_time),
        "direction": c.direction,
        "duration": str(c.duration) if c.end_time is not None else None,
        "end_time": rfc2822(c.end_time),
        "forwarded_from": c.forwarded_from,
        "from": c.from_,
        "from_formatted": format_national(c.from_),
        "group_sid": None,
        "parent_call_sid": c.parent_call_sid,
        "phone_number_sid": c.phone_number_sid,
        "price": c.price,
        "price_unit": c.price_unit,
        "queue_time": c.queue_time,
        "sid": c.sid,
        "start_time": rfc2822(c.start_time),
        "status": c.status,
        "subresource_uris": {key: f"{uri}/{name}.json" for key, name in _SUBRESOURCE_KEYS.items()},
        "to": c.to,
        "to_formatted": format_national(c.to),
        "trunk_sid": c.trunk_sid,
        "uri": f"{uri}.json",
    }


def _tests(ctx: Ctx) -> list[timeline.Test]:
    q = ctx.query
    tests = timeline.phone_tests(q)
    status = q.get("Status")
    if status is not None:
        if status not in STATUSES:
            raise bad_request(INVALID_PARAMETER, f"Status must be one of {', '.join(STATUSES)}")
        tests.append(timeline.equals("status", status))
    if q.get("ParentCallSid") is not None:
        tests.append(timeline.equals("parent_call_sid", q["ParentCallSid"].strip()))
    ended = timeline.day_window(q, "EndTime", before_inclusive=False)
    if not ended.is_open():
        tests.append(timeline.within("end_time", ended))
    return tests


def list_calls(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    started = timeline.day_window(ctx.query, "StartTime", before_inclusive=False)
    sl = timeline.select(ctx, timeline.CALLS, req, started, _tests(ctx))
    return Reply(200, v2010_envelope(ctx.path, "calls", req, sl, [call_json(c) for c in sl.items]))


def fetch_call(ctx: Ctx) -> Reply:
    return Reply(200, call_json(timeline.owned(ctx, timeline.CALLS, "CA")))


_BASE = "/2010-04-01/Accounts/{AccountSid}/Calls"
ROUTES = [
    route(f"{_BASE}.json", get=list_calls),
    route(f"{_BASE}/{{Sid}}.json", get=fetch_call),
]
