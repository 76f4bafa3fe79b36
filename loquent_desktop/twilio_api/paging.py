"""Reading every page of a Twilio list resource.

Always at Twilio's maximum page size, and always by following the page's own next-page link:
`list(limit=...)` would send its limit as PageSize (over 1000 is refused with 20007), and
PageTokens are Twilio's to build, not ours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ..domain.errors import TwilioApiError
from .errors import translate_errors

PAGE_SIZE = 1000  # Twilio's maximum (GUIDE §3)


class PageLinks:
    """The next-page links of one listing seen so far. A link seen twice means the server
    sent us back to a page we read: following it would loop for ever."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def check(self, link: str | None) -> None:
        if not link:
            return
        if link in self._seen:
            raise TwilioApiError(
                "Twilio sent the same page of results twice, so reading stopped instead of "
                "going round in circles. Nothing was lost: try again in a few minutes, and "
                "if it happens again, check for a proxy or cache in front of Twilio.",
                kind="repeated_page",
                method="GET",
            )
        self._seen.add(link)


async def pages(list_api: Any, **filters: Any) -> AsyncIterator[Any]:
    """Each page of `list_api` (a library list resource such as `incoming_phone_numbers`),
    failures raised as TwilioApiError."""
    links = PageLinks()
    async with translate_errors():
        page: Any = await list_api.page_async(page_size=PAGE_SIZE, **filters)
        while page is not None:
            yield page
            links.check(page.next_page_url)
            page = await page.next_page_async()
