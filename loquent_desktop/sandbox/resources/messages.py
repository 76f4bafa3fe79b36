"""Messages: the account's SMS/MMS history, read-only (list with filters, fetch).

The list is newest first (by ``date_sent``), filtered by ``To``, ``From`` and the
day-granular ``DateSent`` / ``DateSent<`` / ``DateSent>`` (the twilio library sends
``date_sent_after`` as ``DateSent>=2026-01-31T00:00:00Z``: key ``DateSent>``), and paged
with tokens that stay stable while new messages arrive. See ``timeline`` for how.
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import timeline
from loquent_desktop.sandbox.formats import rfc2822
from loquent_desktop.sandbox.paging import parse_page_request, v2010_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Message


def message_json(m: Message) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{m.account_sid}/Messages/{m.sid}"
    return {
        "account_sid": m.account_sid,
        "api_version": m.api_version,
        "body": m.body,
        "date_created": rfc2822(m.date_created or m.date_sent),
        "date_sent": rfc2822(m.date_sent),
        "date_updated": rfc2822(m.date_updated or m.date_sent),
        "direction": m.direction,
        "error_code": m.error_code,
        "error_message": m.error_message,
        "from": m.from_,
        "messaging_service_sid": m.messaging_service_sid,
        "num_media": str(m.num_media),
        "num_segments": str(m.num_segments),
        "price": m.price,
        "price_unit": m.price_unit,
        "sid": m.sid,
        "status": m.status,
        "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
        "to": m.to,
        "uri": f"{uri}.json",
    }


def list_messages(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    window = timeline.day_window(ctx.query, "DateSent", before_inclusive=True)
    sl = timeline.select(ctx, timeline.MESSAGES, req, window, timeline.phone_tests(ctx.query))
    rows = [message_json(m) for m in sl.items]
    return Reply(200, v2010_envelope(ctx.path, "messages", req, sl, rows))


def fetch_message(ctx: Ctx) -> Reply:
    return Reply(200, message_json(timeline.owned(ctx, timeline.MESSAGES, "SM", "MM")))


_BASE = "/2010-04-01/Accounts/{AccountSid}/Messages"
ROUTES = [
    route(f"{_BASE}.json", get=list_messages),
    route(f"{_BASE}/{{Sid}}.json", get=fetch_message),
]
