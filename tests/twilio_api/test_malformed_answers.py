"""Answers that arrive cut off or unreadable (a proxy, a dropped connection mid-body): never
a raw JSONDecodeError, always a Twilio error the app treats like a lost answer."""

from __future__ import annotations

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.errors import translate_errors
from loquent_desktop.twilio_api.retry import RetryPolicy
from loquent_desktop.twilio_api.routing import HostRouting

NO_WAIT = RetryPolicy(max_attempts=3, base_delay_s=0.0, jitter=0.0)


@pytest.fixture
def client(qloop, sandbox):  # type: ignore[no-untyped-def]
    factory = TwilioClientFactory(HostRouting(base_url=sandbox.base_url), retry=NO_WAIT)
    yield factory.client(sandbox.demo_credentials)
    qloop.run_until_complete(factory.aclose())


def numbers(client, sandbox):  # type: ignore[no-untyped-def]
    return client.api.v2010.accounts(sandbox.seed.account_sid).incoming_phone_numbers


def requests_to(sandbox, method: str, fragment: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in sandbox.server.request_log if r.method == method and fragment in r.path)


def test_a_cut_off_read_is_read_again(client, sandbox, qloop) -> None:
    sandbox.server.faults.add("*IncomingPhoneNumbers.json", "truncate", count=1)
    page = qloop.run_until_complete(numbers(client, sandbox).list_async(limit=5, page_size=5))
    assert len(page) == 5
    assert requests_to(sandbox, "GET", "IncomingPhoneNumbers.json") == 2


def test_a_read_that_stays_unreadable_says_so(client, sandbox, qloop) -> None:
    sandbox.server.faults.add("*IncomingPhoneNumbers.json", "truncate", count=10)

    async def read() -> None:
        async with translate_errors():
            await numbers(client, sandbox).list_async(limit=5, page_size=5)

    with pytest.raises(TwilioApiError) as caught:
        qloop.run_until_complete(read())
    assert caught.value.kind == "malformed"
    assert caught.value.response_lost
    assert "cut off or unreadable" in str(caught.value)
    assert requests_to(sandbox, "GET", "IncomingPhoneNumbers.json") == NO_WAIT.max_attempts


def test_a_cut_off_write_is_a_lost_answer_not_a_failure(client, sandbox, qloop) -> None:
    """The update landed; the app must treat the outcome as unknown (and read back), never
    as a refusal, and never send it again by itself."""
    sid = qloop.run_until_complete(numbers(client, sandbox).list_async(limit=1, page_size=1))[0].sid
    sandbox.server.faults.add(f"*IncomingPhoneNumbers/{sid}.json", "truncate", method="POST")

    async def rename() -> None:
        async with translate_errors():
            await numbers(client, sandbox)(sid).update_async(friendly_name="Front desk")

    with pytest.raises(TwilioApiError) as caught:
        qloop.run_until_complete(rename())
    assert caught.value.response_lost
    assert caught.value.status == 200
    assert requests_to(sandbox, "POST", sid) == 1
    fetched = qloop.run_until_complete(numbers(client, sandbox)(sid).fetch_async())
    assert fetched.friendly_name == "Front desk"
