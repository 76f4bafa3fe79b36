"""Following Twilio's page links: a link that comes back again stops the listing with a clear
error instead of requesting the same page for ever."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.twilio_api.account import TwilioAccount
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.paging import PageLinks
from loquent_desktop.twilio_api.routing import HostRouting
from tests.twilio_api.sandbox_account import FAST


def test_a_new_link_passes_and_a_seen_one_stops() -> None:
    links = PageLinks()
    links.check(None)
    links.check("/2010-04-01/Accounts/AC1/Messages.json?Page=1")
    with pytest.raises(TwilioApiError) as caught:
        links.check("/2010-04-01/Accounts/AC1/Messages.json?Page=1")
    assert caught.value.kind == "repeated_page"
    assert "same page of results twice" in str(caught.value)


@pytest.fixture
def many_numbers(qloop: Any) -> Iterator[Any]:
    """An emulator whose demo account has more numbers than one page holds."""
    from loquent_desktop.services.sandbox_session import SandboxSession

    session = SandboxSession.start(numbers=2100)
    yield session
    session.stop()


def test_owned_numbers_listing_stops_on_a_repeated_link(many_numbers: Any, qloop: Any) -> None:
    factory = TwilioClientFactory(HostRouting(base_url=many_numbers.base_url), retry=FAST)
    account = TwilioAccount(factory.client(many_numbers.demo_credentials))

    async def read_all() -> int:
        count = 0
        try:
            async for page in account.incoming_numbers.owned_pages():
                count += len(page)
        finally:
            await factory.aclose()
        return count

    many_numbers.server.faults.add("*IncomingPhoneNumbers.json", "repeat_page", count=100)
    with pytest.raises(TwilioApiError) as caught:
        qloop.run_until_complete(read_all())
    assert caught.value.kind == "repeated_page"
    # Page one, then page two naming itself as the next: two requests, not an endless loop.
    assert len(many_numbers.server.requests("GET", "IncomingPhoneNumbers.json")) == 2


def test_owned_numbers_listing_reads_each_page_once_in_order(many_numbers: Any, qloop: Any) -> None:
    """The next page is requested while the previous one is reduced: still each page once,
    the numbers in Twilio's order, and the same values the library's instances give."""
    from loquent_desktop.twilio_api.incoming_numbers import owned_from

    factory = TwilioClientFactory(HostRouting(base_url=many_numbers.base_url), retry=FAST)
    account = TwilioAccount(factory.client(many_numbers.demo_credentials))
    api = account.incoming_numbers._api

    async def read_all() -> tuple[list[Any], list[Any]]:
        try:
            pages = [page async for page in account.incoming_numbers.owned_pages()]
            library = [owned_from(i) for i in await api.list_async(page_size=1000)]
        finally:
            await factory.aclose()
        return pages, library

    pages, library = qloop.run_until_complete(read_all())
    assert [len(page) for page in pages] == [1000, 1000, 100]
    assert [n for page in pages for n in page] == library
    assert len(many_numbers.server.requests("GET", "IncomingPhoneNumbers.json")) == 3 + 3
