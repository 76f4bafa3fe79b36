"""Numbers on sale (AvailablePhoneNumbers): the countries Twilio sells in, and one search.

Read-only. Twilio answers a search with at most ~30 numbers and never pages it, so a search is
one request; only the filters the user set are sent.
"""

from __future__ import annotations

import re
from typing import Any

from twilio.rest import Client

from ..domain.errors import LoquentError
from ..domain.numbers import (
    SEARCH_CAP,
    AvailableNumber,
    Country,
    SearchQuery,
    normalize_capabilities,
    preferred_type_order,
    type_path_name,
)
from .errors import translate_errors
from .paging import pages


class AvailableNumbersGateway:
    def __init__(self, client: Client) -> None:
        self._api = client.api.v2010.accounts(client.account_sid).available_phone_numbers

    async def countries(self) -> list[Country]:
        """Every country Twilio sells numbers in for this account, with its number types."""
        return [country_from(inst) async for page in pages(self._api) for inst in page]

    async def search(self, query: SearchQuery) -> list[AvailableNumber]:
        """One search of a validated `query`. Raises LoquentError before any request for a
        number type the library does not know; a country without that type is Twilio's
        404 (`TwilioApiError.is_not_found`)."""
        country = self._api(query.country)
        # "TollFree" -> the library's `toll_free` list resource.
        attribute = re.sub(r"(?<!^)(?=[A-Z])", "_", query.number_type).lower()
        typed = getattr(country, attribute, None)
        if typed is None:
            raise LoquentError(f"Twilio does not sell {query.number_type} numbers.")
        async with translate_errors():
            page = await typed.page_async(**_search_filters(query))
            numbers = [available_from(inst, query.number_type) for inst in page]
        return numbers


def _search_filters(query: SearchQuery) -> dict[str, Any]:
    filters: dict[str, Any] = {"page_size": SEARCH_CAP}
    if query.area_code:
        filters["area_code"] = int(query.area_code)
    for name in ("contains", "in_region", "in_postal_code", "near_number"):
        if value := getattr(query, name):
            filters[name] = value
    # Only required capabilities are sent: "false" would exclude capable numbers.
    for name in ("voice", "sms", "mms"):
        if getattr(query, name):
            filters[f"{name}_enabled"] = True
    return filters


def available_from(inst: Any, number_type: str) -> AvailableNumber:
    return AvailableNumber(
        phone_number=str(inst.phone_number),
        friendly_name=inst.friendly_name,
        locality=inst.locality,
        region=inst.region,
        postal_code=inst.postal_code,
        iso_country=inst.iso_country,
        capabilities=normalize_capabilities(inst.capabilities),
        address_requirements=str(inst.address_requirements or "none"),
        beta=bool(inst.beta),
        number_type=number_type,
    )


def country_from(inst: Any) -> Country:
    """A country of the AvailablePhoneNumbers list with the number types it offers (its
    subresource keys, e.g. `toll_free` -> `TollFree`)."""
    types = [type_path_name(key) for key in (inst.subresource_uris or {})]
    code = str(inst.country_code)
    return Country(code, str(inst.country or code), preferred_type_order(types))
