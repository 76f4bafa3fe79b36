"""Pricing v1, phone numbers (pricing.twilio.com/v1/PhoneNumbers/Countries): the countries
with number prices, and one country's monthly price per number type.

Not account-scoped in the URL: the credentials decide whose prices they are. A restricted
API key (or an account in ``state.pricing_denied``, for tests that need one without a key)
is refused with 403/20403, as Twilio refuses a key without the Pricing permission.
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox.errors import forbidden, not_found
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v1_envelope
from loquent_desktop.sandbox.price_book import CountryPriceList
from loquent_desktop.sandbox.routing import Ctx, Reply, route

HOST = "pricing.twilio.com"
_BASE = "/v1/PhoneNumbers/Countries"


def _require_access(ctx: Ctx) -> None:
    denied = ctx.principal.key_kind == "restricted"
    if denied or ctx.principal.account_sid in ctx.state.pricing_denied:
        raise forbidden("Forbidden: these credentials may not read pricing")


def _url(iso: str) -> str:
    return f"https://{HOST}{_BASE}/{iso}"


def list_countries(ctx: Ctx) -> Reply:
    _require_access(ctx)
    req = parse_page_request(ctx.query)
    book = ctx.state.number_prices
    codes = sorted(book)
    position = {code: i for i, code in enumerate(codes)}
    sl = select_page(codes, req, position, seq=lambda code: position[code])
    rows = [{"country": book[c].country, "iso_country": c, "url": _url(c)} for c in sl.items]
    body = v1_envelope(HOST, ctx.path, "countries", req, sl, rows, sid=lambda code: code)
    return Reply(200, body)


def fetch_country(ctx: Ctx) -> Reply:
    _require_access(ctx)
    iso = ctx.params["IsoCountry"].upper()
    found = ctx.state.number_prices.get(iso)
    if found is None:
        raise not_found(ctx.path)
    return Reply(200, country_json(iso, found))


def country_json(iso: str, found: CountryPriceList) -> dict[str, Any]:
    return {
        "country": found.country,
        "iso_country": iso,
        # The spec types the prices as numbers (its examples show strings; the library
        # passes either through).
        "phone_number_prices": [
            {"number_type": kind, "base_price": float(base), "current_price": float(current)}
            for kind, (base, current) in found.prices.items()
        ],
        "price_unit": found.price_unit,
        "url": _url(iso),
    }


ROUTES = [
    route(_BASE, get=list_countries),
    route(f"{_BASE}/{{IsoCountry}}", get=fetch_country),
]
