"""AvailablePhoneNumbers: the countries on offer and number searches within them.

Searches return at most 30 numbers (Twilio's cap, lowered further by ``PageSize``) and
never page: ``next_page_uri`` is always null, as on the real API. A country or number type
that is not offered is a 404/20404.
"""

from __future__ import annotations

import contextlib
from typing import Any

from loquent_desktop.sandbox.errors import not_found
from loquent_desktop.sandbox.formats import parse_bool
from loquent_desktop.sandbox.inventory import (
    COUNTRY_NAMES,
    TYPE_SEGMENTS,
    AvailableNumber,
    SearchFilters,
    friendly_name,
)
from loquent_desktop.sandbox.paging import PageSlice, parse_page_request, v2010_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route

_SEGMENT_OF = {v: k for k, v in TYPE_SEGMENTS.items()}


def _country_json(account_sid: str, code: str, types: list[str]) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{account_sid}/AvailablePhoneNumbers/{code}"
    return {
        "country_code": code,
        "country": COUNTRY_NAMES[code],
        "uri": f"{base}.json",
        "beta": False,
        "subresource_uris": {t: f"{base}/{_SEGMENT_OF[t]}.json" for t in types},
    }


def list_countries(ctx: Ctx) -> Reply:
    account_sid = ctx.params["AccountSid"]
    countries = [
        _country_json(account_sid, code, types)
        for code, types in ctx.state.inventory.countries().items()
    ]
    return Reply(200, {"countries": countries, "uri": ctx.path})


def fetch_country(ctx: Ctx) -> Reply:
    code = ctx.params["CountryCode"].upper()
    types = ctx.state.inventory.countries().get(code)
    if types is None:
        raise not_found(ctx.path)
    return Reply(200, _country_json(ctx.params["AccountSid"], code, types))


def _number_json(n: AvailableNumber) -> dict[str, Any]:
    r = n.region
    return {
        "friendly_name": friendly_name(n.phone_number),
        "phone_number": n.phone_number,
        "lata": r.lata,
        "locality": r.locality,
        "rate_center": r.rate_center,
        "latitude": r.latitude,
        "longitude": r.longitude,
        "region": r.region,
        "postal_code": r.postal_code,
        "iso_country": r.country,
        "address_requirements": r.address_requirements,
        "beta": n.beta,
        "capabilities": dict(n.capabilities),
    }


def _filters(ctx: Ctx, page_size: int | None) -> SearchFilters:
    q = ctx.query
    f = SearchFilters(
        area_code=q.get("AreaCode") or None,
        contains=q.get("Contains") or None,
        in_region=q.get("InRegion") or None,
        in_postal_code=q.get("InPostalCode") or None,
        in_locality=q.get("InLocality") or None,
        in_rate_center=q.get("InRateCenter") or None,
        in_lata=q.get("InLata") or None,
        near_number=q.get("NearNumber") or None,
        sms=parse_bool(q.get("SmsEnabled")),
        mms=parse_bool(q.get("MmsEnabled")),
        voice=parse_bool(q.get("VoiceEnabled")),
        fax=parse_bool(q.get("FaxEnabled")),
        exclude_all_address=parse_bool(q.get("ExcludeAllAddressRequired")) is True,
        exclude_local_address=parse_bool(q.get("ExcludeLocalAddressRequired")) is True,
        exclude_foreign_address=parse_bool(q.get("ExcludeForeignAddressRequired")) is True,
        beta=parse_bool(q.get("Beta")),
    )
    if q.get("Distance"):
        with contextlib.suppress(ValueError):  # Twilio ignores a junk Distance too
            f.distance_miles = float(q["Distance"])
    if q.get("NearLatLong"):
        try:
            lat, lon = (float(part) for part in q["NearLatLong"].split(","))
            f.near_lat_long = (lat, lon)
        except ValueError:
            pass
    if page_size is not None:
        f.limit = page_size
    return f


def search(ctx: Ctx) -> Reply:
    code = ctx.params["CountryCode"].upper()
    number_type = TYPE_SEGMENTS.get(ctx.params["Type"])
    offered = ctx.state.inventory.countries().get(code, [])
    if number_type is None or number_type not in offered:
        raise not_found(ctx.path)
    req = parse_page_request(ctx.query)
    explicit_size = req.page_size if "PageSize" in ctx.query else None
    found = ctx.state.inventory.search(code, number_type, _filters(ctx, explicit_size))
    sl = PageSlice(found, 0, False, False)
    rows = [_number_json(n) for n in found]
    body = v2010_envelope(ctx.path, "available_phone_numbers", req, sl, rows)
    return Reply(200, body)


_BASE = "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers"
ROUTES = [
    route(f"{_BASE}.json", get=list_countries),
    route(f"{_BASE}/{{CountryCode}}.json", get=fetch_country),
    route(f"{_BASE}/{{CountryCode}}/{{Type}}.json", get=search),
]
