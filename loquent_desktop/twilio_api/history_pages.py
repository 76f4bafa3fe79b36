"""Reading the Messages and Calls lists one page at a time, resumable from a stored link.

A history sync commits each page before it asks for the next one and stores Twilio's own
`next_page_uri` with it, so a cancelled or crashed run can carry on from that page. The
records are handed on as the JSON dicts Twilio sent (not library instances): the store
converts them off the event loop, and "the same fields as Twilio" is then literally true.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from twilio.base import serialize
from twilio.base.exceptions import TwilioException
from twilio.base.page import Page
from twilio.rest import Client

from ..domain.errors import TwilioApiError
from .errors import translate_errors
from .json_body import decode
from .paging import PAGE_SIZE

API_VERSION = "2010-04-01"
# The query parameter each of the library's filter keywords sends (its Messages, Calls and
# Recordings lists' `page`), for the filters a history sync uses.
_PARAMS = {
    "to": "To",
    "from_": "From",
    "status": "Status",
    "date_sent_after": "DateSent>",
    "date_sent_before": "DateSent<",
    "start_time_after": "StartTime>",
    "start_time_before": "StartTime<",
    "date_created_after": "DateCreated>",  # Recordings
    "date_created_before": "DateCreated<",
}
_DECODER = ThreadPoolExecutor(1, thread_name_prefix="history-decode")
RESOURCES = ("Messages", "Calls")


@dataclass(frozen=True)
class RawPage:
    records: list[dict[str, Any]]
    next_page_uri: str | None  # relative, as Twilio sent it; None on the last page


class HistoryPagesGateway:
    def __init__(self, client: Client) -> None:
        self._client = client
        account = client.api.v2010.accounts(client.account_sid)
        self._lists: dict[str, Any] = {"Messages": account.messages, "Calls": account.calls}

    def list_path(self, resource: str) -> str:
        """The path of this account's `resource` list ("Messages" or "Calls")."""
        return f"/{API_VERSION}/Accounts/{self._client.account_sid}/{resource}.json"

    def belongs_to(self, resource: str, uri: str | None) -> bool:
        """Whether a stored link names this account's list: after a change of credentials
        (another account), it must not be followed."""
        return bool(uri) and str(uri).startswith(self.list_path(resource) + "?")

    async def first_messages_page(self, **filters: Any) -> RawPage:
        """The newest page of Messages matching `filters` (library keyword names)."""
        return await self.first_page("Messages", **filters)

    async def first_calls_page(self, **filters: Any) -> RawPage:
        """The newest page of Calls matching `filters` (library keyword names)."""
        return await self.first_page("Calls", **filters)

    async def first_page(self, resource: str, **filters: Any) -> RawPage:
        """The newest page of `resource` matching `filters` (the library's keyword names),
        at Twilio's maximum page size. Sent as the library's list `page_async` sends it,
        but decoded like `page_at`: off the event loop."""
        try:
            params = {_PARAMS[key]: serialize.iso8601_datetime(v) for key, v in filters.items()}
        except KeyError as err:
            raise ValueError(f"no such filter for {resource}: {err}") from None
        params["PageSize"] = PAGE_SIZE
        return await self._read(resource, self.list_path(resource), params)

    async def page_at(self, resource: str, uri: str) -> RawPage:
        """The page a stored `next_page_uri` names (it carries the filters and page size)."""
        return await self._read(resource, uri, None)

    async def _read(self, resource: str, uri: str, params: dict[str, Any] | None) -> RawPage:
        """One page, as the library's `get_page_async` reads it, but the JSON (~1 MB a page)
        is decoded on a worker thread of its own: on the event loop it held up the window
        for tens of milliseconds a page, and decoded on many threads at once it only made
        the window wait longer for the GIL."""
        if resource not in self._lists:
            raise ValueError(f"resource must be one of {RESOURCES}")
        async with translate_errors():
            response = await self._client.request_async(
                "GET", self._client.api.absolute_url(uri), params=params
            )
            if response.status_code != 200:
                raise TwilioException("Unable to fetch page", response)
        loop = asyncio.get_running_loop()
        try:
            payload = await loop.run_in_executor(_DECODER, decode, response.text)
        except ValueError:
            raise TwilioApiError(
                "Twilio's answer was cut off or unreadable. Try again; if it keeps happening, "
                "check for a proxy or firewall that alters HTTPS traffic.",
                status=response.status_code,
                kind="malformed",
                method="GET",
            ) from None
        return _from_payload(payload)


def raw_page(page: Any) -> RawPage:
    """A library page as a RawPage: its parsed JSON (the library keeps no other copy)."""
    return _from_payload(page._payload)


def _from_payload(payload: dict[str, Any]) -> RawPage:
    """The records of a v2010 list page: under the one key that is not paging metadata."""
    keys = [key for key in payload if key not in Page.META_KEYS]
    records = payload[keys[0]] if len(keys) == 1 else []
    return RawPage(list(records), payload.get("next_page_uri") or None)
