"""Addresses (read-only here): the list and fetch, so the app can offer a matching
AddressSid when a number's ``address_requirements`` is not ``none``."""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox.errors import not_found
from loquent_desktop.sandbox.formats import rfc2822
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v2010_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Address


def address_json(a: Address) -> dict[str, Any]:
    return {
        "account_sid": a.account_sid,
        "city": a.city,
        "customer_name": a.customer_name,
        "date_created": rfc2822(a.date_created),
        "date_updated": rfc2822(a.date_updated),
        "friendly_name": a.friendly_name,
        "iso_country": a.iso_country,
        "postal_code": a.postal_code,
        "region": a.region,
        "sid": a.sid,
        "street": a.street,
        "uri": f"/2010-04-01/Accounts/{a.account_sid}/Addresses/{a.sid}.json",
        "emergency_enabled": False,
        "validated": True,
        "verified": True,
        "street_secondary": None,
    }


def list_addresses(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    q = ctx.query
    rows = [
        a
        for a in ctx.state.addresses.values()
        if a.account_sid == ctx.params["AccountSid"]
        and (q.get("IsoCountry") is None or a.iso_country == q["IsoCountry"])
        and (q.get("FriendlyName") is None or a.friendly_name == q["FriendlyName"])
        and (q.get("CustomerName") is None or a.customer_name == q["CustomerName"])
    ]
    sl = select_page(rows, req, ctx.state.seq_of)
    body = v2010_envelope(ctx.path, "addresses", req, sl, [address_json(a) for a in sl.items])
    return Reply(200, body)


def fetch_address(ctx: Ctx) -> Reply:
    address = ctx.state.addresses.get(ctx.sid_param("Sid", "AD"))
    if address is None or address.account_sid != ctx.params["AccountSid"]:
        raise not_found(ctx.path)
    return Reply(200, address_json(address))


_BASE = "/2010-04-01/Accounts/{AccountSid}/Addresses"
ROUTES = [
    route(f"{_BASE}.json", get=list_addresses),
    route(f"{_BASE}/{{Sid}}.json", get=fetch_address),
]
