"""Leaving BYO safely, through the real window against the emulator: switching an
organization to Shared (or disconnecting it) first says what Loquent left on its own account
(numbers pointing at Loquent with their saved configurations, event streams) and offers one
plan that restores and removes them before the switch. Cancel sends nothing and keeps the
organization BYO; confirming restores every number, removes the streams, journals one entry
and then switches; leaving them keeps the saved configurations for a later Restore."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from loquent_desktop.domain.event_streams import StreamKind
from loquent_desktop.services.leaving_byo_plans import LEAVE
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.leaving_byo_dialog import UNDO_BUTTON
from tests.conftest import wait_until
from tests.services.test_numbers_service import Confirmer
from tests.services.test_voice_routing import emulator_numbers
from tests.ui.test_numbers_tab import dialog_of, plan_rows, writes

ROUTED = 3


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def byo_with_changes(qloop: Any, window: Any, context: Any, sandbox: Any) -> tuple[Any, list[str]]:
    """A connected BYO organization with ROUTED numbers pointed at Loquent and SMS events
    streaming, shown on the Credentials tab. Returns it and the routed numbers' SIDs."""

    async def setup() -> tuple[Any, list[str]]:
        org = await context.organizations.add("Northwind")
        await context.organizations.set_mode(org.id, True)
        await context.connection.connect(org.id, sandbox.demo_credentials)
        owned = await context.numbers.list_owned(org.id)
        await context.numbers.import_numbers(org.id, owned)
        plain = [
            sid for sid, n in emulator_numbers(sandbox).items()
            if n["voice_url"] and not n["trunk_sid"] and not n["voice_application_sid"]
        ][:ROUTED]  # fmt: skip
        change = await context.voice.prepare_configure(org.id, plain)
        await context.plans.apply(change, Confirmer(True))
        stream = await context.event_streams.prepare_setup(org.id, StreamKind.SMS)
        await context.plans.apply(stream, Confirmer(True))
        await window.load(org.id)
        return await context.organizations.get(org.id), plain

    return run(qloop, setup())


def org_now(context: Any, qloop: Any, org_id: int) -> Any:
    return run(qloop, context.organizations.get(org_id))


async def question(window: Any, click: Any) -> QMessageBox:
    click()
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    return box


def button(box: QMessageBox, text: str) -> Any:
    return next(b for b in box.buttons() if b.text() == text)


def journal_actions(context: Any, org_id: int) -> list[tuple[str, str | None]]:
    return [(e.action, e.outcome) for e in context.database.journal.list_actions(org_id, (LEAVE,))]


def test_switch_to_shared_offers_one_plan_and_cancel_sends_nothing(
    window, qloop, context, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org, routed = byo_with_changes(qloop, window, context, sandbox)
    details = window.credentials_tab.details
    before = emulator_numbers(sandbox)
    sandbox.server.clear_log()

    async def scenario() -> tuple[str, list[tuple[str, ...]], str]:
        box = await question(window, details.shared_radio.click)
        text = box.text()
        assert box.objectName() == "leave-byo"
        button(box, UNDO_BUTTON).click()
        dialog = await dialog_of(ConfirmPlanDialog)
        rows, summary = plan_rows(dialog), "\n".join(dialog.plan.summary_lines())
        dialog.cancel_button.click()
        await wait_until(lambda: window.tasks.running == 0, message="idle")
        return text, rows, summary

    text, rows, summary = run(qloop, scenario())
    # What stays is said before anything: the numbers, their saved configurations, the stream.
    assert f"{ROUTED} numbers pointing at Loquent, with the previous configuration saved" in text
    phones = {n.phone_number for n in context.database.phone_numbers.list_for_org(org.id)
              if n.sid in routed}  # fmt: skip
    assert all(p in text for p in phones)
    assert "SMS events streaming to Loquent" in text
    assert "back to BYO (and connect it) to restore them on Voice routing" in text
    # One plan: every routed number's Voice URL back to what it was, and the stream removed.
    voice_rows = [r for r in rows if r[1] == "Voice URL"]
    assert len(voice_rows) == ROUTED
    assert {r[3] for r in voice_rows} == set(saved_urls(context, org.id).values())
    assert any(r[1] == "Subscription" and r[3] == "Deleted" for r in rows)
    assert "Then the organization switches to Shared" in summary
    # Cancel: nothing sent, still BYO, the cancelled plan journaled.
    assert writes(sandbox) == []
    assert emulator_numbers(sandbox) == before
    assert org_now(context, qloop, org.id).byo_twilio and details.byo_radio.isChecked()
    assert journal_actions(context, org.id) == [(LEAVE, "cancelled")]


def test_confirming_restores_removes_journals_then_switches(
    window, qloop, context, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org, routed = byo_with_changes(qloop, window, context, sandbox)
    saved = saved_urls(context, org.id)
    assert sorted(saved) == sorted(routed)
    details = window.credentials_tab.details
    streams_before = len(sandbox.server.state.subscriptions)
    sandbox.server.clear_log()

    async def scenario() -> None:
        box = await question(window, details.shared_radio.click)
        button(box, UNDO_BUTTON).click()
        dialog = await dialog_of(ConfirmPlanDialog)
        dialog.confirm_button.click()
        await wait_until(lambda: not org_now_sync().byo_twilio, 30, "switched")
        await wait_until(lambda: window.tasks.running == 0, message="idle")

    def org_now_sync() -> Any:
        return context.database.organizations.get(org.id)

    run(qloop, scenario())
    now = emulator_numbers(sandbox)
    assert {sid: now[sid]["voice_url"] for sid in routed} == saved
    assert len(sandbox.server.state.subscriptions) == streams_before - 1
    assert writes(sandbox)  # it did send the plan's requests
    assert journal_actions(context, org.id) == [(LEAVE, "succeeded")]
    assert details.shared_radio.isChecked() and window.mode_label.text() == "Shared"
    assert not [
        n for n in context.database.phone_numbers.list_for_org(org.id) if n.routed_to_loquent
    ]


def saved_urls(context: Any, org_id: int) -> dict[str, Any]:
    """The saved Voice URLs (before Loquent configured the numbers): what Restore writes."""
    numbers = context.database.phone_numbers.list_for_org(org_id)
    return {n.sid: n.previous_voice_url for n in numbers if n.snapshot_taken_at}


def test_leaving_them_keeps_saved_configurations_restorable_later(
    window, qloop, context, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org, routed = byo_with_changes(qloop, window, context, sandbox)
    details = window.credentials_tab.details
    saved = saved_urls(context, org.id)
    sandbox.server.clear_log()

    async def scenario() -> None:
        box = await question(window, details.shared_radio.click)
        button(box, "Switch to Shared and leave them").click()
        await wait_until(lambda: window.tasks.running == 0, message="idle")

    run(qloop, scenario())
    assert writes(sandbox) == []  # leaving them changes nothing on Twilio
    assert not org_now(context, qloop, org.id).byo_twilio
    assert saved_urls(context, org.id) == saved and sorted(saved) == sorted(routed)
    # The Credentials tab says where they are.
    run(qloop, wait_until(lambda: "keep a saved voice configuration" in details.status.text()))
    assert f"{ROUTED} numbers of its own account" in details.status.text()
    # Back to BYO: Restore works with what was kept.
    run(qloop, context.organizations.set_mode(org.id, True))
    change = run(qloop, context.voice.prepare_restore(org.id, routed))
    run(qloop, context.plans.apply(change, Confirmer(True)))
    now = emulator_numbers(sandbox)
    assert {sid: now[sid]["voice_url"] for sid in routed} == saved


def test_disconnect_offers_the_same_and_cancel_keeps_the_credentials(
    window, qloop, context, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org, _routed = byo_with_changes(qloop, window, context, sandbox)
    details = window.credentials_tab.details
    sandbox.server.clear_log()

    async def scenario() -> str:
        task = asyncio.ensure_future(details.disconnect_org())
        box = await question(window, lambda: None)
        text = box.text()
        button(box, UNDO_BUTTON).click()
        dialog = await dialog_of(ConfirmPlanDialog)
        assert "Then the organization is disconnected" in "\n".join(dialog.plan.notes)
        dialog.cancel_button.click()
        await task
        return text

    text = run(qloop, scenario())
    assert "Delete the Twilio credentials" in text and "SMS events streaming" in text
    assert writes(sandbox) == []
    assert org_now(context, qloop, org.id).is_connected
