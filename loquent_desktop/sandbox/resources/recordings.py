"""Recordings: the account's call recordings, read-only (list with filters, fetch), and the
per-call list.

The list is newest first (by ``date_created``), filtered by ``CallSid`` and the day-granular
``DateCreated`` family (``DateCreated<`` "on or before", ``DateCreated>`` "on or after", as
the spec documents them), and paged like every other v2010 list. The media itself
(``.wav``/``.mp3`` and the redirect to media storage) is in ``recording_media``.
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import timeline
from loquent_desktop.sandbox.formats import rfc2822
from loquent_desktop.sandbox.paging import parse_page_request, v2010_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Recording

RECORDINGS = timeline.Ordering("recordings", "date_created", indexed=("call_sid",))
# What Twilio bills a recorded minute (US, 2026 list price); the emulator keeps it simple.
PRICE_PER_MINUTE = 0.0025


def price_of(r: Recording) -> str:
    minutes = max(1, -(-r.duration // 60))  # Twilio bills each started minute
    return f"-{minutes * PRICE_PER_MINUTE:.5f}"


def recording_json(r: Recording) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{r.account_sid}/Recordings/{r.sid}"
    return {
        "account_sid": r.account_sid,
        "api_version": "2010-04-01",
        "call_sid": r.call_sid,
        "conference_sid": None,
        "date_created": rfc2822(r.date_created),
        "date_updated": rfc2822(r.date_created),
        "start_time": rfc2822(r.date_created),
        "duration": str(r.duration),
        "sid": r.sid,
        "price": price_of(r),
        "price_unit": "USD",
        "status": "completed",
        "channels": r.channels,
        "source": r.source,
        "error_code": None,
        "uri": f"{base}.json",
        "encryption_details": None,
        "subresource_uris": {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
        # Twilio's own media link: the api host, no extension (the client picks one).
        "media_url": f"https://api.twilio.com{base}",
    }


def list_recordings(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    created = timeline.day_window(ctx.query, "DateCreated", before_inclusive=True)
    tests = []
    wanted = (ctx.query.get("CallSid") or "").strip() or None
    if wanted:
        tests.append(timeline.equals("call_sid", wanted))
    sl = timeline.select(ctx, RECORDINGS, req, created, tests)
    rows = [recording_json(r) for r in sl.items]
    return Reply(200, v2010_envelope(ctx.path, "recordings", req, sl, rows))


def call_recording_json(r: Recording) -> dict[str, Any]:
    """The per-call list's shape: a numeric price and a `track`, no media links."""
    body = recording_json(r)
    del body["media_url"], body["subresource_uris"]
    body["uri"] = f"/2010-04-01/Accounts/{r.account_sid}/Calls/{r.call_sid}/Recordings/{r.sid}.json"
    return {**body, "price": float(body["price"]), "track": "both"}


def list_call_recordings(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    created = timeline.day_window(ctx.query, "DateCreated", before_inclusive=True)
    tests = [timeline.equals("call_sid", ctx.sid_param("CallSid", "CA"))]
    sl = timeline.select(ctx, RECORDINGS, req, created, tests)
    rows = [call_recording_json(r) for r in sl.items]
    return Reply(200, v2010_envelope(ctx.path, "recordings", req, sl, rows))


def fetch_recording(ctx: Ctx) -> Reply:
    return Reply(200, recording_json(timeline.owned(ctx, RECORDINGS, "RE")))


_BASE = "/2010-04-01/Accounts/{AccountSid}"
ROUTES = [
    route(f"{_BASE}/Recordings.json", get=list_recordings),
    route(f"{_BASE}/Recordings/{{Sid}}.json", get=fetch_recording),
    route(f"{_BASE}/Calls/{{CallSid}}/Recordings.json", get=list_call_recordings),
]
