"""Reading every page of a Twilio list resource.

Always at Twilio's maximum page size, and always by following the page's own next-page link:
`list(limit=...)` would send its limit as PageSize (over 1000 is refused with 20007), and
PageTokens are Twilio's to build, not ours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .errors import translate_errors

PAGE_SIZE = 1000  # Twilio's maximum (GUIDE §3)


async def pages(list_api: Any, **filters: Any) -> AsyncIterator[Any]:
    """Each page of `list_api` (a library list resource such as `incoming_phone_numbers`),
    failures raised as TwilioApiError."""
    async with translate_errors():
        page: Any = await list_api.page_async(page_size=PAGE_SIZE, **filters)
        while page is not None:
            yield page
            page = await page.next_page_async()
