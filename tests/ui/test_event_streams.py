"""Event streaming driven through the real window against the emulator.

What a user would notice: each stream's status in words, a plan that lists the sink, the
subscription and its event types before anything is sent, Cancel sending nothing, SMS and
call streams set up and removed independently (sharing one sink, deleted only when unused),
the CRM's sink left alone, and Twilio failures explained instead of crashes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QApplication, QLabel

from loquent_desktop.domain.event_streams import StreamKind
from loquent_desktop.sandbox.seed_events import CRM_EVENTS_URL
from loquent_desktop.sandbox.state import Sink
from loquent_desktop.settings import DEFAULT_EVENTS_URL
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.event_streams_view import EventStreamsView
from tests.conftest import wait_until
from tests.services.test_event_streams import CALL_TYPES, SMS_CELL, SMS_TYPES, crm, ours, set_up
from tests.services.test_numbers_service import Confirmer

SMS, CALLS = StreamKind.SMS, StreamKind.CALLS


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def writes(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.server.requests() if r.method in ("POST", "DELETE")]


def open_view(window: Any, qloop: Any, context: Any, sandbox: Any, byo: bool = True) -> Any:
    """Connect an organization (or put one on the shared account), select it in the window
    and show its event streams."""
    if byo:
        org = run(qloop, context.organizations.add("Northwind"))
        run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    else:
        run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
        org = run(qloop, context.organizations.add("Shared Clinic"))
    run(qloop, window.load(org.id))
    # The view lives on the Sync tab's "Event streaming" page of the real window.
    view = window.sync_tab.streams
    window.tabs.setCurrentWidget(window.sync_tab)
    window.sync_tab.pages.setCurrentWidget(view)
    run(qloop, window.tasks.wait_idle())
    run(qloop, view.load(org.id))
    return view


def idle(qloop: Any, view: EventStreamsView) -> None:
    run(qloop, wait_until(lambda: not view.busy, message="view idle"))


async def dialog() -> ConfirmPlanDialog:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ConfirmPlanDialog))
    found = QApplication.activeModalWidget()
    assert isinstance(found, ConfirmPlanDialog)
    return found


def press(
    qloop: Any,
    view: EventStreamsView,
    kind: StreamKind,
    button: str,
    answer: str,
    meanwhile: Callable[[], None] | None = None,
) -> dict:
    """Press Set up… or Remove… in `kind`'s box, read the plan dialog, answer it, and wait
    until the view has read the status again. Returns what the dialog showed. `meanwhile`
    changes the account while the dialog is open (the Console, another tool)."""
    box = view.boxes[kind]

    async def scenario() -> dict:
        assert getattr(box, button).isEnabled()
        getattr(box, button).click()
        shown = await dialog()
        table = shown.changes
        seen = {
            "title": shown.windowTitle(),
            "rows": [
                tuple(table.item(r, c).text() for c in range(table.columnCount()))
                for r in range(table.rowCount())
            ],
            "text": " ".join(label.text() for label in shown.findChildren(QLabel)),
        }
        if meanwhile is not None:
            meanwhile()
        (shown.confirm_button if answer == "confirm" else shown.cancel_button).click()
        await wait_until(lambda: not view.busy, message="change and reload")
        return seen

    return run(qloop, scenario())


def test_set_up_sms_shows_the_plan_then_the_active_stream(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    box = view.boxes[SMS]
    assert box.state.text() == "Not set up" and not box.remove_button.isEnabled()
    assert CRM_EVENTS_URL in view.others.text() and "left alone" in view.others.text()
    assert view.url.placeholderText() == f"{DEFAULT_EVENTS_URL} (default)"
    before = crm(sandbox)
    sandbox.server.clear_log()

    seen = press(qloop, view, SMS, "setup_button", "confirm")

    assert seen["title"] == "Set up SMS event streaming"
    new_sink = "Sink “Loquent events” (new webhook)"
    assert (new_sink, "Destination", "(new)", DEFAULT_EVENTS_URL) in seen["rows"]
    assert next(row[3] for row in seen["rows"] if row[1] == "Event types (7)") == SMS_CELL
    assert "Per-number webhooks are untouched" in seen["text"]
    assert CRM_EVENTS_URL in seen["text"]  # named as left alone
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 1 and set(subs[0].types) == SMS_TYPES
    assert crm(sandbox) == before

    assert box.state.text() == "● Active"
    assert f"Delivers to {DEFAULT_EVENTS_URL}" in box.details.text()
    assert box.types.text().startswith("7 event types:")
    assert "messaging.inbound-message.received" in box.types.text()
    assert box.result.text().startswith("Set up: subscription DF")
    assert not box.setup_button.isEnabled() and box.remove_button.isEnabled()
    assert box.setup_button.toolTip().startswith("Already set up")
    assert view.boxes[CALLS].state.text() == "Not set up"  # independent
    entry = context.database.journal.list(org_id=view.org_id)[0]
    assert (entry.action, entry.outcome) == ("events.sms.setup", "succeeded")


def test_cancel_sends_nothing(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    sandbox.server.clear_log()
    seen = press(qloop, view, SMS, "setup_button", "cancel")
    assert seen["rows"]
    assert writes(sandbox) == []
    assert ours(sandbox) == ([], [])
    box = view.boxes[SMS]
    assert box.result.text() == "Cancelled: nothing was changed on the Twilio account."
    assert box.state.text() == "Not set up" and box.setup_button.isEnabled()


def test_setting_up_again_creates_nothing(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    press(qloop, view, SMS, "setup_button", "confirm")
    sandbox.server.clear_log()
    # The button is disabled now; a second request (another window, a double click that
    # slipped through) is still answered without a second sink or subscription.
    run(qloop, view.change(SMS, "setup"))
    assert writes(sandbox) == []
    assert "already set up" in view.boxes[SMS].result.text()
    assert [len(x) for x in ours(sandbox)] == [1, 1]


def test_calls_stream_is_independent_and_the_sink_goes_last(
    window, qloop, context, sandbox
) -> None:
    view = open_view(window, qloop, context, sandbox)
    before = crm(sandbox)
    press(qloop, view, SMS, "setup_button", "confirm")
    seen = press(qloop, view, CALLS, "setup_button", "confirm")
    assert not any(row[1] == "Destination" for row in seen["rows"])  # the sink is reused
    assert "Reuses the sink" in seen["text"]
    assert "status callback" in seen["text"]  # which calls send these events at all
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 2
    assert view.boxes[CALLS].state.text() == "● Active"
    assert "voice.status-callback.call.completed" in view.boxes[CALLS].types.text()
    assert {t for s in subs for t in s.types} == SMS_TYPES | CALL_TYPES

    seen = press(qloop, view, SMS, "remove_button", "confirm")
    assert [row[3] for row in seen["rows"]] == ["Deleted"]  # the subscription only
    assert "stays" in seen["text"]
    assert view.boxes[SMS].state.text() == "Not set up"
    assert view.boxes[CALLS].state.text() == "● Active"
    assert len(ours(sandbox)[0]) == 1

    seen = press(qloop, view, CALLS, "remove_button", "confirm")
    assert "Deleted (no other subscription uses it)" in [row[3] for row in seen["rows"]]
    assert ours(sandbox) == ([], [])
    assert view.boxes[CALLS].result.text().endswith("its sink was deleted too.")
    assert crm(sandbox) == before


def test_a_sink_to_our_url_is_reused(window, qloop, context, sandbox) -> None:
    state, now = sandbox.server.state, datetime.now(UTC)
    config = {"destination": DEFAULT_EVENTS_URL, "method": "POST", "batch_events": False}
    state.add(state.sinks, Sink("DG" + "c" * 32, sandbox.seed.account_sid, "Earlier set-up",
                                "webhook", config, now, now))  # fmt: skip
    view = open_view(window, qloop, context, sandbox)
    assert DEFAULT_EVENTS_URL not in view.others.text()  # ours, not another platform's
    sandbox.server.clear_log()
    seen = press(qloop, view, SMS, "setup_button", "confirm")
    assert "Reuses the sink DG••••••••cccc" in seen["text"]
    assert sandbox.server.requests("POST", "/v1/Sinks") == []
    assert ours(sandbox)[1][0].sink_sid == "DG" + "c" * 32


def test_twilio_failures_are_shown_in_words(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    sandbox.server.faults.add("/v1/Sinks", "500", method="POST")
    press(qloop, view, SMS, "setup_button", "confirm")
    box = view.boxes[SMS]
    assert box.error.isVisible()
    assert box.error.text().startswith("Twilio had a server problem (HTTP 500)")
    assert ours(sandbox) == ([], []) and box.setup_button.isEnabled()
    assert context.database.journal.list(org_id=view.org_id)[0].outcome == "failed"

    # Rate limited on every try of a read: said in words once the retries are used up.
    sandbox.server.faults.add("/v1/Sinks", "429", count=10, retry_after=0)
    view.refresh()
    idle(qloop, view)
    assert "limiting the request rate" in view.error.text()
    sandbox.server.faults.clear()
    view.refresh()
    idle(qloop, view)
    assert not view.error.isVisible() and box.state.text() == "Not set up"


def test_shared_organization_is_explained_and_never_read(window, qloop, context, sandbox) -> None:
    sandbox.server.clear_log()
    view = open_view(window, qloop, context, sandbox, byo=False)
    assert "Shared mode" in view.note.text() and view.note.isVisible()
    for box in view.boxes.values():
        assert box.state.text() == "Not available"
        assert box.details.text() == "Not available in Shared mode (see above)."
        assert not box.setup_button.isEnabled() and not box.remove_button.isEnabled()
    assert not view.url.isEnabled()
    assert [r for r in sandbox.server.requests() if r.path.startswith("/v1/")] == []


def test_unconnected_byo_organization_points_to_credentials(window, qloop, context) -> None:
    org = run(qloop, context.organizations.add("Fresh BYO"))
    run(qloop, context.organizations.set_mode(org.id, True))
    run(qloop, window.load(org.id))
    view = EventStreamsView(context.event_streams, window.tasks, context.plans)
    window.tabs.addTab(view, "Events")
    run(qloop, view.load(org.id))
    assert "Credentials tab" in view.note.text()
    assert not view.boxes[SMS].setup_button.isEnabled()


def test_events_url_is_checked_saved_and_used(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    view.url.setText("http://events.northwind.example")
    view.save_url.click()
    idle(qloop, view)
    assert "https://" in view.url_message.text() and view.url_message.isVisible()
    assert view.save_url.isEnabled()  # free to correct it

    url = "https://events.northwind.example/twilio"
    view.url.setText(url)
    view.save_url.click()
    assert not view.boxes[SMS].setup_button.isEnabled()  # not while the URL changes
    idle(qloop, view)
    assert view.url_message.text() == "Saved."
    assert view.overview.events_url == url and not view.overview.events_url_is_default
    press(qloop, view, SMS, "setup_button", "confirm")
    assert f"Delivers to {url}" in view.boxes[SMS].details.text()
    assert [len(x) for x in ours(sandbox, url)] == [1, 1]


def test_switching_organization_drops_what_was_shown(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    press(qloop, view, SMS, "setup_button", "confirm")
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    other = run(qloop, context.organizations.add("Shared Clinic"))
    view.set_organization(other)
    idle(qloop, view)
    assert view.org_id == other.id
    assert view.boxes[SMS].state.text() == "Not available"
    assert view.boxes[SMS].result.text() == "" and not view.others.isVisible()
    assert view.refresh_button.isEnabled()  # the finished read no longer counts as busy


def test_a_sink_already_gone_is_said_so(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    press(qloop, view, SMS, "setup_button", "confirm")
    box = view.boxes[SMS]
    sink = ours(sandbox)[0][0].sid

    def delete_the_sink() -> None:  # in the Console, while the plan is open
        with sandbox.server.state.lock:
            del sandbox.server.state.sinks[sink]

    press(qloop, view, SMS, "remove_button", "confirm", meanwhile=delete_the_sink)
    assert box.result.text() == (
        f"Removed SMS event streaming; its sink {sink[:2]}••••••••{sink[-4:]} was already gone "
        "from Twilio (deleted elsewhere)."
    )
    assert "still in use" not in box.result.text()


def test_a_sink_kept_by_the_plan_but_unused_can_be_removed(window, qloop, context, sandbox) -> None:
    view = open_view(window, qloop, context, sandbox)
    press(qloop, view, SMS, "setup_button", "confirm")
    press(qloop, view, CALLS, "setup_button", "confirm")
    box = view.boxes[SMS]
    sink = ours(sandbox)[0][0].sid

    def delete_the_calls_subscription() -> None:  # elsewhere, while the plan is open
        state = sandbox.server.state
        with state.lock:
            calls = next(s.sid for s in state.subscriptions.values() if s.sink_sid == sink
                         and s.description.startswith("Loquent call"))  # fmt: skip
            del state.subscriptions[calls]

    seen = press(qloop, view, SMS, "remove_button", "confirm", delete_the_calls_subscription)
    assert "stays" in seen["text"] and "Loquent call events" in seen["text"]
    assert sink in sandbox.server.state.sinks  # the plan said it stays
    assert "stays, as the plan said, but nothing uses it" in box.result.text()
    assert box.state.text() == "⚠ Needs attention" and "Remove… deletes it" in box.details.text()
    assert box.remove_button.isEnabled() and box.setup_button.isEnabled()
    seen = press(qloop, view, SMS, "remove_button", "confirm")
    assert [row[3] for row in seen["rows"]] == ["Deleted (no other subscription uses it)"]
    assert sink not in sandbox.server.state.sinks
    assert box.result.text().startswith("Deleted the leftover SMS events sink DG")
    assert box.state.text() == "Not set up" and not box.remove_button.isEnabled()


def test_another_organizations_stream_is_shown_not_offered(window, qloop, context, sandbox) -> None:
    first = run(qloop, context.organizations.add("Acme Dental"))
    run(qloop, context.connection.connect(first.id, sandbox.demo_credentials))
    run(qloop, set_up(context, first.id, SMS, Confirmer(True)))
    view = open_view(window, qloop, context, sandbox)  # "Northwind", the same account
    box = view.boxes[SMS]
    assert box.state.text() == "Set up for another organization"
    assert "to Loquent for organization “Acme Dental”" in box.details.text()
    assert not box.setup_button.isEnabled() and not box.remove_button.isEnabled()
    assert view.boxes[CALLS].setup_button.isEnabled()  # its own call events are free to set up
    assert DEFAULT_EVENTS_URL not in view.others.text()  # Loquent's sink, not another platform's


def test_shared_organization_still_shows_streams_of_its_own_account(
    window, qloop, context, sandbox
) -> None:
    view = open_view(window, qloop, context, sandbox)
    press(qloop, view, SMS, "setup_button", "confirm")
    sub = ours(sandbox)[1][0].sid
    org_id = view.org_id
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    run(qloop, context.organizations.set_mode(org_id, False))  # switched to Shared
    sandbox.server.clear_log()
    run(qloop, view.load(org_id))

    box = view.boxes[SMS]
    assert box.state.text() == "⚠ Still set up in the organization's own account"
    assert f"subscription {sub[:2]}••••••••{sub[-4:]}" in box.details.text()
    assert "Twilio keeps sending these events to Loquent" in box.details.text()
    assert "switch the organization back to BYO" in box.details.text()
    assert not box.setup_button.isEnabled() and not box.remove_button.isEnabled()
    assert "still there" in view.note.text() and "Shared mode" in view.note.text()
    assert box.result.text() == ""  # what was done while BYO is not shown as current
    assert view.boxes[CALLS].state.text() == "Not available"
    assert [r for r in sandbox.server.requests() if r.path.startswith("/v1/")] == []
