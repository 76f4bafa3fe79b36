"""The routing HTTP client under the real twilio library, against emulator faults: what is
retried, what is not, and what the user is told."""

from __future__ import annotations

import time

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.errors import translate_errors
from loquent_desktop.twilio_api.retry import RetryPolicy
from loquent_desktop.twilio_api.routing import HostRouting

FAST = RetryPolicy(max_attempts=3, base_delay_s=0.01, jitter=0.1)


@pytest.fixture
def factory(qloop, sandbox):  # type: ignore[no-untyped-def]
    calls: list[tuple[str, str, int | None]] = []
    made = TwilioClientFactory(
        HostRouting(base_url=sandbox.base_url),
        timeout_s=1,
        retry=FAST,
        on_request=lambda m, p, s: calls.append((m, p, s)),
    )
    made.calls = calls  # type: ignore[attr-defined]
    yield made
    qloop.run_until_complete(made.aclose())


def numbers_api(factory, sandbox):  # type: ignore[no-untyped-def]
    client = factory.client(sandbox.demo_credentials)
    return client.api.v2010.accounts(sandbox.seed.account_sid).incoming_phone_numbers


def test_get_429_is_retried_after_retry_after(factory, sandbox, qloop) -> None:
    sandbox.server.faults.add("*IncomingPhoneNumbers.json", "429", count=1, retry_after=0.3)
    started = time.perf_counter()
    numbers = qloop.run_until_complete(
        numbers_api(factory, sandbox).list_async(limit=5, page_size=5)
    )
    assert len(numbers) == 5
    assert time.perf_counter() - started >= 0.3  # waited as Twilio asked
    assert [s for _, _, s in factory.calls] == [429, 200]


def test_post_429_is_retried_because_twilio_did_not_process_it(factory, sandbox, qloop) -> None:
    sid = qloop.run_until_complete(numbers_api(factory, sandbox).list_async(page_size=1))[0].sid
    sandbox.server.faults.add(f"*{sid}.json", "429", count=1, retry_after=0, method="POST")
    updated = qloop.run_until_complete(
        numbers_api(factory, sandbox)(sid).update_async(friendly_name="After 429")
    )
    assert updated.friendly_name == "After 429"
    assert len(sandbox.server.requests(method="POST")) == 2


def test_get_5xx_and_dropped_connections_are_retried(factory, sandbox, qloop) -> None:
    sandbox.server.faults.add("*IncomingPhoneNumbers.json", "503", count=1)
    sandbox.server.faults.add("*IncomingPhoneNumbers.json", "drop", count=1)
    numbers = qloop.run_until_complete(numbers_api(factory, sandbox).list_async(page_size=50))
    assert len(numbers) == sandbox.seed.number_count
    served = sandbox.server.requests(path_contains="IncomingPhoneNumbers.json")
    assert [r.status for r in served] == [503, None, 200]  # None: dropped without a response


def test_post_5xx_is_never_retried(factory, sandbox, qloop) -> None:
    sid = qloop.run_until_complete(numbers_api(factory, sandbox).list_async(page_size=1))[0].sid
    sandbox.server.faults.add(f"*{sid}.json", "500", count=1, method="POST")

    async def update() -> None:
        async with translate_errors():
            await numbers_api(factory, sandbox)(sid).update_async(friendly_name="x")

    with pytest.raises(TwilioApiError) as err:
        qloop.run_until_complete(update())
    assert err.value.status == 500
    assert len(sandbox.server.requests(method="POST")) == 1


def test_lost_post_response_is_reported_as_lost_not_retried(factory, sandbox, qloop) -> None:
    sid = qloop.run_until_complete(numbers_api(factory, sandbox).list_async(page_size=1))[0].sid
    sandbox.server.faults.add(f"*{sid}.json", "drop_after", count=1, method="POST")
    with pytest.raises(TwilioApiError) as err:
        qloop.run_until_complete(
            numbers_api(factory, sandbox)(sid).update_async(friendly_name="Applied")
        )
    assert err.value.response_lost
    assert len(sandbox.server.requests(method="POST")) == 1
    fetched = qloop.run_until_complete(numbers_api(factory, sandbox)(sid).fetch_async())
    assert fetched.friendly_name == "Applied"  # it did happen: callers must check, not repeat


def test_timeout_is_per_request_and_gives_up_with_a_message(factory, sandbox, qloop) -> None:
    sandbox.server.faults.add("*Accounts/*.json", "latency", count=5, latency=1.3)
    client = factory.client(sandbox.demo_credentials)

    with pytest.raises(TwilioApiError) as err:
        qloop.run_until_complete(client.api.v2010.accounts(client.account_sid).fetch_async())
    assert err.value.kind == "timeout"
    assert "did not answer within 1 second. " in str(err.value)
    # A timeout is tried once more, not max_attempts times: the user already waited.
    assert [s for _, _, s in factory.calls] == [None, None]


def test_401_is_not_retried_and_has_no_secret(factory, sandbox, qloop) -> None:
    from loquent_desktop.domain.credentials import Credentials

    wrong = Credentials(sandbox.seed.account_sid, "e" * 32)
    client = factory.client(wrong)

    async def fetch() -> None:
        async with translate_errors():
            await client.api.v2010.accounts(client.account_sid).fetch_async()

    with pytest.raises(TwilioApiError) as err:
        qloop.run_until_complete(fetch())
    assert err.value.is_auth_error
    assert "e" * 32 not in str(err.value) and "e" * 32 not in repr(err.value)
    assert len(factory.calls) == 1
