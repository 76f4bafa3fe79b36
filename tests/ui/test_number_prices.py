"""Monthly prices on the Numbers tab, from the emulator's Pricing API, through the real window.

What a user would notice: the search results' "Monthly price" column shows Twilio's price for
that country and number type, the buy plan names the amount and currency and who is billed,
and when the credentials may not read prices both say so plainly instead of guessing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.sandbox.state import ApiKey
from loquent_desktop.ui.models.available_numbers_model import PRICE
from tests.conftest import wait_until
from tests.ui.test_numbers_tab import (
    add_shared_org,
    buy_first,
    column,
    open_numbers,
    open_search,
    run,
    search_for,
    writes,
)

PRICING = "/v1/PhoneNumbers/Countries"


def price_of(sandbox: Any, country: str, kind: str) -> str:
    with sandbox.server.state.lock:
        return sandbox.server.state.number_prices[country].prices[kind][1]


def test_search_results_show_the_monthly_price_of_that_country_and_type(
    window, qloop, context, sandbox
) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    sandbox.server.clear_log()

    search_for(qloop, search, area_code="415")

    local = price_of(sandbox, "US", "local")
    assert set(column(search, PRICE)) == {f"US${local}"}
    tip = search.model.data(search.model.index(0, PRICE), Qt.ItemDataRole.ToolTipRole)
    assert "a month (local number in US)" in tip
    (read,) = sandbox.server.requests("GET", PRICING)
    assert read.path == f"{PRICING}/US"

    # Toll-free has its own price; a second US search is answered from the day's cache.
    search.number_type.setCurrentIndex(search.number_type.findData("TollFree"))
    search.area_code.clear()
    search_for(qloop, search)
    assert set(column(search, PRICE)) == {f"US${price_of(sandbox, 'US', 'toll free')}"}
    assert len(sandbox.server.requests("GET", PRICING)) == 1
    assert writes(sandbox) == []


def test_the_buy_plan_names_the_amount_and_currency(window, qloop, context, sandbox) -> None:
    open_numbers(window, qloop, context, sandbox)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")
    sandbox.server.clear_log()

    _phone, _rows, cost = buy_first(qloop, search, "cancel")

    local = price_of(sandbox, "US", "local")
    assert "Twilio bills the organization's own Twilio account" in cost
    assert f"US${local} a month" in cost
    assert writes(sandbox) == []
    (entry,) = context.database.journal.list(limit=1)
    assert entry.plan["details"]["monthly_price"] == local
    assert entry.plan["details"]["price_unit"] == "USD"


def test_in_shared_mode_the_plan_says_loquents_account_is_billed(
    window, qloop, context, sandbox
) -> None:
    org = add_shared_org(qloop, context, sandbox)
    run(qloop, window.load(org.id))
    window.tabs.setCurrentWidget(window.numbers_tab)
    search = open_search(window, qloop)
    search_for(qloop, search, area_code="415")

    _phone, _rows, cost = buy_first(qloop, search, "cancel")

    assert "Twilio bills Loquent's shared Twilio account" in cost
    assert f"US${price_of(sandbox, 'US', 'local')} a month" in cost


def test_a_key_that_may_not_read_prices_is_said_plainly(window, qloop, context, sandbox) -> None:
    key = ApiKey("SK" + "cd" * 16, "k" * 32, sandbox.seed.account_sid, "no pricing",
                 datetime.now(UTC), kind="restricted")  # fmt: skip
    with sandbox.server.state.lock:
        sandbox.server.state.api_keys[key.sid] = key
    org = run(qloop, context.organizations.add("Keyed Clinic"))
    creds = Credentials.from_api_key(sandbox.seed.account_sid, key.sid, key.secret)
    run(qloop, context.connection.connect(org.id, creds))
    run(qloop, window.load(org.id))
    window.tabs.setCurrentWidget(window.numbers_tab)
    search = open_search(window, qloop)

    search_for(qloop, search, area_code="415")

    assert search.model.rowCount() > 0
    assert set(column(search, PRICE)) == {"—"}
    tip = search.model.data(search.model.index(0, PRICE), Qt.ItemDataRole.ToolTipRole)
    assert "may not read Twilio's prices" in tip
    (denied,) = sandbox.server.requests("GET", PRICING)
    assert denied.status == 403

    _phone, _rows, cost = buy_first(qloop, search, "cancel")
    assert "a monthly fee for this local number" in cost
    assert "The price could not be read: these credentials may not read Twilio's prices" in cost
    assert "US$" not in cost
    # Remembered for a while: the plan did not ask again.
    assert len(sandbox.server.requests("GET", PRICING)) == 1
    run(qloop, wait_until(lambda: search.buy_button.isEnabled(), message="buy enabled"))
