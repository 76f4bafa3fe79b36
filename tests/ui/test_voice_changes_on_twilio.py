"""Who changed a number, in the Voice routing tab through the real window: the selected
number's "Changes on Twilio" (from Twilio's Monitor Events) next to Loquent's own history,
and beside a drift the sentence that says who made it, from where, and what; credentials
without Monitor access get a plain sentence, never an error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.sandbox.resources.monitor_events import console_change
from loquent_desktop.sandbox.seed_events import CONSOLE_IP, CONSOLE_NEW_URL
from loquent_desktop.sandbox.state import ApiKey
from loquent_desktop.services.number_changes import NO_PERMISSION
from loquent_desktop.ui.twilio_changes_box import HOW, WHAT, WHO
from tests.conftest import wait_until
from tests.ui.test_numbers_tab import run, writes
from tests.ui.test_voice_tab import open_voice, press


def console_changed_number(sandbox: Any) -> str:
    with sandbox.server.state.lock:
        (event,) = [e for e in sandbox.server.state.monitor_events.values() if e.source == "web"]
        return event.resource_sid


def changes_read(qloop: Any, tab: Any, rows: int = 1) -> Any:
    box = tab.details.changes
    run(qloop, wait_until(lambda: box.table.rowCount() >= rows, message="changes on Twilio"))
    return box


def cells(box: Any, row: int) -> dict[int, str]:
    return {c: box.table.item(row, c).text() for c in range(box.table.columnCount())}


def test_the_selected_number_lists_its_changes_on_twilio(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    sid = console_changed_number(sandbox)
    sandbox.server.clear_log()
    tab.select_sids([sid])
    box = changes_read(qloop, tab)
    row = cells(box, 0)
    assert row[WHO].startswith("user US…")
    assert row[HOW] == f"from the Console ({CONSOLE_IP})"
    assert row[WHAT] == f"Changed: Voice URL -> {CONSOLE_NEW_URL}"
    assert not box.isHidden() and not tab.details.history_empty.isHidden()
    # Read-only: one Monitor read for this number, nothing sent that changes anything.
    reads = sandbox.server.requests("GET", "/v1/Events")
    assert [r.query.get("ResourceSid") for r in reads] == [sid]
    assert writes(sandbox) == []
    assert tab.details.changed_by.isHidden()  # no drift: nothing to explain


def test_beside_a_drift_it_says_who_changed_what_and_when(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    sid = console_changed_number(sandbox)
    tab.select_sids([sid])
    press(qloop, tab, tab.configure_button, "confirm")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    when = datetime.now(UTC).replace(microsecond=0)
    with sandbox.server.state.lock:
        number = sandbox.server.state.numbers[sid]
    user = "US" + "7c" * 16
    console_change(
        sandbox.server.state,
        number,
        user,
        "198.51.100.4",
        when,
        voice_url="https://console.example.com/changed",
    )
    tab.refresh()
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    box = changes_read(qloop, tab, rows=3)  # the drift, Loquent's change, the seeded one
    label = tab.details.changed_by
    run(qloop, wait_until(lambda: bool(label.text()), message="who changed it"))
    assert not label.isHidden()
    assert label.text() == (
        f"Changed on Twilio {when:%Y-%m-%d %H:%M} UTC from the Console by user US…7c7c "
        "(198.51.100.4): Voice URL -> https://console.example.com/changed"
    )
    # Loquent's own change is listed too, as Loquent's.
    assert cells(box, 1)[WHO] == "Loquent (these credentials)"


def test_credentials_without_monitor_access_get_a_sentence_not_an_error(
    window, qloop, context, sandbox
) -> None:
    key = ApiKey("SK" + "5e" * 16, "r" * 32, sandbox.seed.account_sid, "CRM", datetime.now(UTC))
    key.kind = "restricted"
    with sandbox.server.state.lock:
        sandbox.server.state.api_keys[key.sid] = key

    async def setup() -> None:
        org = await context.organizations.add("Northwind")
        await context.organizations.set_mode(org.id, True)
        await context.connection.connect(
            org.id, Credentials(sandbox.seed.account_sid, key.secret, key.sid)
        )
        await context.numbers.import_numbers(org.id, await context.numbers.list_owned(org.id))
        await window.load(org.id)

    run(qloop, setup())
    window.tabs.setCurrentWidget(window.voice_tab)
    tab = window.voice_tab
    run(qloop, wait_until(lambda: tab._loaded_scope is not None and not tab.busy, message="load"))
    tab.select_sids([console_changed_number(sandbox)])
    note = tab.details.changes.note
    run(qloop, wait_until(lambda: note.text() == NO_PERMISSION, message="permission sentence"))
    assert not note.isHidden() and tab.details.changes.table.isHidden()
    assert tab.error.text() == ""
