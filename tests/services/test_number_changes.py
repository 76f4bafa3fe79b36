"""NumberChangesService against the emulator: a number's changes on Twilio (who, how, from
where, what), Loquent's own changes marked as such, and credentials without Monitor access
answered with a plain sentence instead of an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.sandbox.resources.monitor_events import console_change
from loquent_desktop.sandbox.seed_events import CONSOLE_IP, CONSOLE_NEW_URL
from loquent_desktop.sandbox.state import ApiKey
from loquent_desktop.services.number_changes import NO_PERMISSION
from loquent_desktop.settings import DEFAULT_VOICE_URL
from tests.services.test_numbers_service import connect_byo, writes
from tests.services.test_voice_routing import configure, import_all


def console_changed_number(sandbox: Any) -> str:
    with sandbox.server.state.lock:
        (event,) = [e for e in sandbox.server.state.monitor_events.values() if e.source == "web"]
        return event.resource_sid


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def test_the_console_change_and_loquents_own_change_are_told_apart(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    import_all(context, qloop, org_id)
    sid = console_changed_number(sandbox)
    configure(context, qloop, org_id, [sid])
    sandbox.server.clear_log()
    found = run(qloop, context.number_changes.changes(org_id, sid))
    assert found.problem is None and writes(sandbox) == []
    ours, console = found.changes
    assert ours.by_these_credentials and ours.who == "Loquent (these credentials)"
    assert ("voice_url", CONSOLE_NEW_URL, DEFAULT_VOICE_URL) in [
        (c.name, c.previous, c.updated) for c in ours.changes
    ]
    assert not console.by_these_credentials and console.who.startswith("user US…")
    assert console.how == "from the Console" and console.source_ip_address == CONSOLE_IP
    later = datetime.now(UTC) + timedelta(seconds=2)  # Twilio's dates are whole seconds
    since = run(qloop, context.number_changes.changes(org_id, sid, since=later))
    assert since.changes == ()


def test_credentials_without_monitor_access_get_a_sentence(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    key = ApiKey("SK" + "9a" * 16, "k" * 32, sandbox.seed.account_sid, "CRM", datetime.now(UTC))
    key.kind = "restricted"
    with sandbox.server.state.lock:
        sandbox.server.state.api_keys[key.sid] = key

    async def connect() -> int:
        org = await context.organizations.add("Restricted")
        creds = Credentials(sandbox.seed.account_sid, key.secret, key.sid)
        await context.connection.connect(org.id, creds)
        return int(org.id)

    org_id = run(qloop, connect())
    found = run(qloop, context.number_changes.changes(org_id, console_changed_number(sandbox)))
    assert found.changes == () and found.problem == NO_PERMISSION


def test_a_restore_plan_over_a_drift_says_who_made_it(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    import_all(context, qloop, org_id)
    sid = console_changed_number(sandbox)
    configure(context, qloop, org_id, [sid])
    with sandbox.server.state.lock:
        number = sandbox.server.state.numbers[sid]
    when = datetime.now(UTC).replace(microsecond=0)
    console_change(
        sandbox.server.state, number, "US" + "4b" * 16, "198.51.100.9", when,
        voice_url="https://pbx.example.net/after",
    )  # fmt: skip
    sandbox.server.clear_log()
    plan = run(qloop, context.voice.prepare_restore(org_id, [sid])).plan
    assert plan.acknowledge is not None
    assert any(
        w.endswith(
            f"Changed on Twilio {when:%Y-%m-%d %H:%M} UTC from the Console by user US…4b4b "
            "(198.51.100.9): Voice URL -> https://pbx.example.net/after"
        )
        for w in plan.warnings
    )
    assert writes(sandbox) == []  # preparing a plan sends nothing that changes anything
