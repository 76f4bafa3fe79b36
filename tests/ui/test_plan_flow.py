"""Plan → confirm → execute → journal through the real confirmation dialog.

The UI's one way to change an account is `confirm_and_apply` on a `PlannedChange`. Cancel
must send nothing that changes the account; both outcomes are journaled and listed in the
Journal tab.
"""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication

from loquent_desktop.domain.errors import PlanCancelled
from loquent_desktop.domain.plans import Change, Plan
from loquent_desktop.services.plan_runner import PlannedChange, RunControl
from loquent_desktop.twilio_api.errors import translate_errors
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.plan_flow import confirm_and_apply
from tests.conftest import wait_until


def rename_plan(number_sid: str, before: str, after: str) -> Plan:
    return Plan(
        action="number.rename",
        title="Rename a phone number",
        organization="Plan Org",
        account="AC••••••••0000",
        changes=(Change(f"Phone number {number_sid}", "Friendly name", before, after),),
        affected=("Nobody else: the friendly name is a label only.",),
    )


async def click_in_plan_dialog(button: str) -> str:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ConfirmPlanDialog))
    dialog = QApplication.activeModalWidget()
    table = dialog.changes
    shown = " | ".join(table.item(0, c).text() for c in range(table.columnCount()))
    (dialog.cancel_button if button == "cancel" else dialog.confirm_button).click()
    return shown


@pytest.fixture
def number(context, qloop):  # type: ignore[no-untyped-def]
    client = context.factory.client(context.sandbox_session.demo_credentials)
    numbers = qloop.run_until_complete(
        client.api.v2010.accounts(client.account_sid).incoming_phone_numbers.list_async(page_size=1)
    )
    return client, numbers[0]


def rename_change(client, number, name: str) -> PlannedChange[str]:  # type: ignore[no-untyped-def]
    """Renaming a number as one planned change (the test's stand-in for a service's; like a
    gateway, it turns the library's errors into TwilioApiError)."""

    async def execute(_control: RunControl) -> str:
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers(number.sid)
        async with translate_errors():
            return str((await api.update_async(friendly_name=name)).friendly_name)

    return PlannedChange(rename_plan(number.sid, number.friendly_name, name), None, execute)


def run_plan(window, context, qloop, client, number, answer: str):  # type: ignore[no-untyped-def]
    change = rename_change(client, number, "Renamed by plan")
    confirmed: list[Plan] = []

    async def scenario():  # type: ignore[no-untyped-def]
        run = confirm_and_apply(
            window, context.plans, change, "Rename", on_confirmed=confirmed.append
        )
        return await asyncio.gather(run, click_in_plan_dialog(answer), return_exceptions=True)

    result = qloop.run_until_complete(scenario())
    # `on_confirmed` runs on a yes only (it shows progress before the first request).
    assert confirmed == ([change.plan] if answer == "confirm" else [])
    return result


def test_cancel_sends_nothing_and_is_journaled(window, context, qloop, sandbox, number) -> None:
    client, record = number
    sandbox.server.clear_log()
    result, shown = run_plan(window, context, qloop, client, record, "cancel")
    assert isinstance(result, PlanCancelled)
    assert record.friendly_name in shown and "Renamed by plan" in shown
    assert [r for r in sandbox.server.requests() if r.method in ("POST", "DELETE")] == []
    entries = context.database.journal.list(10)
    assert entries[0].outcome == "cancelled"


def test_confirm_executes_and_history_lists_it(window, context, qloop, sandbox, number) -> None:
    client, record = number
    sandbox.server.clear_log()
    result, _ = run_plan(window, context, qloop, client, record, "confirm")
    assert result == "Renamed by plan"
    posts = sandbox.server.requests(method="POST")
    assert len(posts) == 1 and record.sid in posts[0].path
    window.tabs.setCurrentWidget(window.journal_tab)
    qloop.run_until_complete(wait_until(lambda: window.journal_tab.model.rowCount() == 1))
    model = window.journal_tab.model
    assert model.data(model.index(0, 3)) == "succeeded"
    assert model.data(model.index(0, 2)) == "Rename a phone number"
    assert "Renamed by plan" in model.data(model.index(0, 0), 3)  # tooltip: the whole plan


def test_failed_execution_is_journaled_with_the_error(
    window, context, qloop, sandbox, number
) -> None:
    client, record = number
    sandbox.server.faults.add(f"*{record.sid}*", "500", count=1, method="POST")
    result, _ = run_plan(window, context, qloop, client, record, "confirm")
    assert getattr(result, "status", None) == 500
    entry = context.database.journal.list(1)[0]
    assert entry.outcome == "failed"
    assert "server problem" in (entry.error or "")


def test_closing_mid_change_lets_it_land_and_journals_the_truth(
    context, qloop, sandbox, number
) -> None:
    client, record = number
    sandbox.server.faults.add(f"*{record.sid}.json", "latency", count=1, latency=0.4, method="POST")
    change = rename_change(client, record, "Landed anyway")

    async def yes(_plan: Plan) -> bool:
        return True

    async def scenario() -> None:
        task = asyncio.ensure_future(context.plans.apply(change, yes))
        await wait_until(lambda: context.plans.in_flight == 1)
        task.cancel()  # what closing the window does to running tasks
        await asyncio.sleep(0.05)
        task.cancel()  # and a second time (a shutdown that insists)
        with pytest.raises(asyncio.CancelledError):
            await task

    qloop.run_until_complete(scenario())
    assert context.plans.in_flight == 0
    entry = context.database.journal.list(1)[0]
    assert entry.outcome == "succeeded"
    fetched = qloop.run_until_complete(
        client.api.v2010.accounts(client.account_sid)
        .incoming_phone_numbers(record.sid)
        .fetch_async()
    )
    assert fetched.friendly_name == "Landed anyway"


def test_a_journal_that_cannot_be_written_does_not_undo_a_change(
    context, qloop, sandbox, number, monkeypatch
) -> None:
    client, record = number
    change = rename_change(client, record, "Journal down")

    async def yes(_plan: Plan) -> bool:
        return True

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError("database or disk is full")

    monkeypatch.setattr(context.database.journal, "finish", disk_full)
    result = qloop.run_until_complete(context.plans.apply(change, yes))
    assert result == "Journal down"  # reported as done, because it is done


def test_a_bulk_plan_dialog_fits_the_screen(qapp) -> None:  # type: ignore[no-untyped-def]
    """Hundreds of numbers: every change, warning and affected party is there, and the
    dialog still fits an 800-pixel screen with its buttons reachable."""
    count = 300
    plan = Plan(
        action="voice.configure",
        title=f"Point {count} numbers at Loquent",
        organization="Acme",
        account="AC••••••••0000",
        changes=tuple(
            Change(f"+1 415-555-{i:04d}", "Voice URL", f"https://crm.example/{i}", "https://l/v")
            for i in range(count)
        ),
        affected=tuple(
            f"Inbound calls on +1 415-555-{i:04d} will stop reaching a CRM" for i in range(count)
        ),
        warnings=tuple(f"SIP trunk TK{i} will be detached" for i in range(count // 3)),
    )
    dialog = ConfirmPlanDialog(plan, "Apply")
    try:
        assert dialog.changes.rowCount() == count
        text = dialog.consequences.toPlainText()
        assert "+1 415-555-0299 will stop reaching" in text and "TK99 will be detached" in text
        assert dialog.sizeHint().height() < 800
        assert dialog.cancel_button.isDefault()
    finally:
        dialog.deleteLater()
