"""Reading the Messages and Calls lists one page at a time, resumable from a stored link.

A history sync commits each page before it asks for the next one and stores Twilio's own
`next_page_uri` with it, so a cancelled or crashed run can carry on from that page. The
records are handed on as the JSON dicts Twilio sent (not library instances): the store
converts them off the event loop, and "the same fields as Twilio" is then literally true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twilio.rest import Client

from .errors import translate_errors
from .paging import PAGE_SIZE

API_VERSION = "2010-04-01"
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
        """The newest page of `resource` matching `filters`, at Twilio's maximum page size."""
        async with translate_errors():
            page = await self._lists[resource].page_async(page_size=PAGE_SIZE, **filters)
        return _raw(page)

    async def page_at(self, resource: str, uri: str) -> RawPage:
        """The page a stored `next_page_uri` names (it carries the filters and page size)."""
        api = self._lists[resource]
        async with translate_errors():
            page = await api.get_page_async(self._client.api.absolute_url(uri))
        return _raw(page)


def _raw(page: Any) -> RawPage:
    payload: dict[str, Any] = page._payload  # the parsed JSON; the library keeps no other copy
    records = list(page.load_page(payload))
    return RawPage(records, payload.get("next_page_uri") or None)
