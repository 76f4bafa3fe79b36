"""AddressesGateway against the emulator: every Address of the account, labelled for a plan."""

from __future__ import annotations

from typing import Any

from loquent_desktop.twilio_api.account import TwilioAccount
from tests.twilio_api import sandbox_account
from tests.twilio_api.sandbox_account import emulator_writes

# The emulator's demo account (fixtures shared by the gateway tests).
factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def test_list_all_gives_sid_country_and_label(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    addresses = qloop.run_until_complete(demo_account.addresses.list_all())
    by_country = {country: (sid, label) for sid, country, label in addresses}
    assert by_country.keys() == sandbox.seed.address_sids.keys()
    assert {c: sid for c, (sid, _label) in by_country.items()} == sandbox.seed.address_sids
    assert by_country["GB"][1] == "Acme London"
    assert emulator_writes(sandbox) == []
