"""IncomingNumbersGateway against the emulator: the account's numbers as `OwnedNumber`s and
voice configurations, a lookup by number, a purchase, and a voice update read back."""

from __future__ import annotations

from typing import Any

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.twilio_api.account import TwilioAccount
from tests.twilio_api import sandbox_account
from tests.twilio_api.sandbox_account import emulator_writes

# The emulator's demo account (fixtures shared by the gateway tests).
factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def collect(qloop: Any, pages: Any) -> list[Any]:
    async def go() -> list[Any]:
        return [page async for page in pages]

    return qloop.run_until_complete(go())


def emulator_number(sandbox: Any, sid: str) -> Any:
    with sandbox.server.state.lock:
        return sandbox.server.state.numbers[sid]


def test_owned_pages_list_every_number_with_its_routing(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    numbers = [
        n for page in collect(qloop, demo_account.incoming_numbers.owned_pages()) for n in page
    ]
    assert len(numbers) == sandbox.seed.number_count
    trunked = [n for n in numbers if n.trunk_sid]
    assert [n.trunk_sid for n in trunked] == [sandbox.seed.trunk_sid]
    first = numbers[0]
    assert first.sid.startswith("PN") and first.phone_number.startswith("+")
    assert first.iso_country and first.date_created is not None
    assert emulator_writes(sandbox) == []


def test_voice_config_pages_match_the_owned_numbers(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    gateway = demo_account.incoming_numbers
    owned = {n.sid: n for page in collect(qloop, gateway.owned_pages()) for n in page}
    configs = {
        s: c for page in collect(qloop, gateway.voice_config_pages()) for s, c in page.items()
    }
    assert configs.keys() == owned.keys()
    for sid, config in configs.items():
        assert config.voice_url == owned[sid].voice_url
        assert config.trunk_sid == owned[sid].trunk_sid
        assert config.voice_application_sid == owned[sid].voice_application_sid


def test_find_by_phone_number(demo_account: TwilioAccount, qloop: Any, sandbox: Any) -> None:
    gateway = demo_account.incoming_numbers
    some = collect(qloop, gateway.owned_pages())[0][3]
    found = qloop.run_until_complete(gateway.find(some.phone_number))
    assert found is not None and found.sid == some.sid
    assert qloop.run_until_complete(gateway.find("+15005550000")) is None


def test_update_voice_then_fetch_reads_it_back(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    gateway = demo_account.incoming_numbers
    number = next(
        n for n in collect(qloop, gateway.owned_pages())[0] if n.voice_url and not n.trunk_sid
    )
    params = {"voice_url": "https://loquent.example/voice", "voice_method": "GET"}
    qloop.run_until_complete(gateway.update_voice(number.sid, params))
    live = qloop.run_until_complete(gateway.fetch_voice_config(number.sid))
    assert (live.voice_url, live.voice_method) == ("https://loquent.example/voice", "GET")
    assert emulator_number(sandbox, number.sid).voice_url == "https://loquent.example/voice"
    # An empty string clears a URL field; the fetched config reads it as not set.
    qloop.run_until_complete(gateway.update_voice(number.sid, {"voice_fallback_url": ""}))
    assert (
        qloop.run_until_complete(gateway.fetch_voice_config(number.sid)).voice_fallback_url is None
    )


def test_fetch_of_a_released_number_is_not_found(demo_account: TwilioAccount, qloop: Any) -> None:
    with pytest.raises(TwilioApiError) as raised:
        qloop.run_until_complete(demo_account.incoming_numbers.fetch_voice_config("PN" + "0" * 32))
    assert raised.value.is_not_found


def test_buy_sets_the_voice_url_in_the_same_request(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    from loquent_desktop.domain.numbers import SearchQuery

    on_sale = qloop.run_until_complete(demo_account.available_numbers.search(SearchQuery()))
    wanted = on_sale[0].phone_number
    sandbox.server.clear_log()
    bought = qloop.run_until_complete(
        demo_account.incoming_numbers.buy(wanted, "https://loquent.example/voice", "POST", None)
    )
    assert bought.phone_number == wanted and bought.voice_url == "https://loquent.example/voice"
    posts = emulator_writes(sandbox)
    assert len(posts) == 1 and posts[0].path.endswith("/IncomingPhoneNumbers.json")
    assert emulator_number(sandbox, bought.sid).voice_url == "https://loquent.example/voice"


@pytest.mark.parametrize(
    "text",
    [
        "Sat, 04 Jan 2025 10:21:20 +0000",
        "Sat, 4 Jan 2025 10:21:20 +0000",
        "Sat, 04 Jan 2025 10:21:20 +0100",  # the library ignores the offset: so do we
        "Mon, 29 Feb 2024 23:59:59 +0000",
        "04 Jan 2025 10:21:20 GMT",
        "not a date",
        "",
    ],
)
def test_record_dates_read_as_the_library_reads_them(text: str) -> None:
    from twilio.base import deserialize

    from loquent_desktop.twilio_api.incoming_numbers import _date

    assert _date(text) == (deserialize.rfc2822_datetime(text) if text else None)
