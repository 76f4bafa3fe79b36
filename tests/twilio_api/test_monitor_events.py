"""MonitorEventsGateway against the emulator: a number's changes as domain values (who, how,
from where, which fields), the credential of an API change, date filters and paging, the
monitor host routed like the others, and a refusal as `TwilioApiError`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.sandbox.seed_events import CONSOLE_IP, CONSOLE_NEW_URL
from loquent_desktop.sandbox.state import ApiKey
from loquent_desktop.twilio_api.account import TwilioAccount
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.routing import HostRouting
from tests.twilio_api import sandbox_account
from tests.twilio_api.sandbox_account import FAST, emulator_writes

factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def console_changed_number(sandbox: Any) -> str:
    with sandbox.server.state.lock:
        (event,) = [e for e in sandbox.server.state.monitor_events.values() if e.source == "web"]
        return event.resource_sid


def test_the_seeded_console_change_reads_as_who_how_and_what(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    sid = console_changed_number(sandbox)
    (change,) = run(qloop, demo_account.monitor_events.list_for_resource(sid))
    assert change.source == "web" and change.actor and change.actor.startswith("US")
    assert change.source_ip_address == CONSOLE_IP
    assert [(c.name, c.updated) for c in change.changes] == [("voice_url", CONSOLE_NEW_URL)]
    text = change.describe()
    assert text.startswith("Changed on Twilio ") and "from the Console by user US…" in text
    assert f"({CONSOLE_IP}): Voice URL -> {CONSOLE_NEW_URL}" in text
    assert run(qloop, demo_account.monitor_events.fetch(change.sid)) == change
    assert emulator_writes(sandbox) == []


def test_an_api_change_names_the_key_that_made_it(
    factory: TwilioClientFactory, qloop: Any, sandbox: Any
) -> None:
    seed = sandbox.seed
    keyed = TwilioAccount(
        factory.client(Credentials(seed.account_sid, seed.api_key_secret, seed.api_key_sid))
    )
    sid = console_changed_number(sandbox)
    run(qloop, keyed.incoming_numbers.update_voice(sid, {"voice_url": "https://x.example/v"}))
    newest, seeded = run(qloop, keyed.monitor_events.list_for_resource(sid))
    assert newest.source == "api" and newest.actor == seed.api_key_sid
    assert newest.how == "through the API" and newest.who.startswith("API key SK…")
    assert [(c.name, c.previous, c.updated) for c in newest.changes] == [
        ("voice_url", CONSOLE_NEW_URL, "https://x.example/v")
    ]
    assert seeded.source == "web"
    # A window after the API change finds nothing; one around it finds only it.
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert run(qloop, keyed.monitor_events.list_for_resource(sid, start=later)) == []
    since = datetime.now(UTC) - timedelta(minutes=5)
    found = run(qloop, keyed.monitor_events.list_for_resource(sid, start=since))
    assert [c.sid for c in found] == [newest.sid]


def test_pages_are_followed_up_to_the_limit(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    sid = console_changed_number(sandbox)
    for method in ("GET", "POST", "GET", "POST"):
        run(qloop, demo_account.incoming_numbers.update_voice(sid, {"voice_method": method}))
    sandbox.server.clear_log()
    found = run(qloop, demo_account.monitor_events.list_for_resource(sid, limit=3))
    assert len(found) == 3
    everything = run(qloop, demo_account.monitor_events.list_for_resource(sid))
    assert len(everything) == 5 and everything[-1].source == "web"
    assert all("/v1/Events" in r.path for r in sandbox.server.requests())


def test_the_monitor_host_is_routed_on_its_own(qloop: Any, sandbox: Any) -> None:
    # Everything else goes to a closed port: only the monitor host reaches the emulator.
    routing = HostRouting(base_url="http://127.0.0.1:9", products={"monitor": sandbox.base_url})
    made = TwilioClientFactory(routing, timeout_s=5, retry=FAST)
    try:
        account = TwilioAccount(made.client(sandbox.demo_credentials))
        sid = console_changed_number(sandbox)
        assert len(run(qloop, account.monitor_events.list_for_resource(sid))) == 1
        with pytest.raises(TwilioApiError) as caught:
            run(qloop, account.incoming_numbers.fetch_voice_config(sid))
        assert caught.value.kind == "connection"
    finally:
        run(qloop, made.aclose())


def test_a_key_without_monitor_access_is_a_403_twilio_api_error(
    factory: TwilioClientFactory, qloop: Any, sandbox: Any
) -> None:
    key = ApiKey(
        "SK" + "ef" * 16, "s" * 32, sandbox.seed.account_sid, "restricted", datetime.now(UTC)
    )
    key.kind = "restricted"
    with sandbox.server.state.lock:
        sandbox.server.state.api_keys[key.sid] = key
    account = TwilioAccount(
        factory.client(Credentials(sandbox.seed.account_sid, key.secret, key.sid))
    )
    with pytest.raises(TwilioApiError) as caught:
        run(qloop, account.monitor_events.list_for_resource(console_changed_number(sandbox)))
    assert caught.value.status == 403 and caught.value.code == 20403
