"""The Voice routing tab driven through the real window against the emulator.

What a user would notice: the live configuration of each imported number; a plan that says
who stops receiving calls and what is detached (in red) before anything is sent; Cancel that
sends nothing; configure twice that keeps the original; a restore that shows a change made
since and will not overwrite it without a tick; bulk runs where one failure and a few 429s
do not stop the rest; and the number's history.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from loquent_desktop.settings import DEFAULT_VOICE_URL
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.models.voice_numbers_model import ANSWERS, LOQUENT, SAVED
from loquent_desktop.ui.voice_details import AFTER, CHANGE, OUTCOME
from tests.conftest import wait_until
from tests.services.test_voice_routing import console_update, emulator_numbers
from tests.ui.test_numbers_tab import dialog_of, plan_rows, rendered, run, writes


def open_voice(window: Any, qloop: Any, context: Any, sandbox: Any, byo: bool = True) -> Any:
    """An organization on the demo account with every number imported, on the Voice tab."""

    async def setup() -> int:
        org = await context.organizations.add("Northwind")
        if byo:
            await context.organizations.set_mode(org.id, True)
            await context.connection.connect(org.id, sandbox.demo_credentials)
            owned = await context.numbers.list_owned(org.id)
            await context.numbers.import_numbers(org.id, owned)
        await window.load(org.id)
        return int(org.id)

    run(qloop, setup())
    window.tabs.setCurrentWidget(window.voice_tab)
    tab = window.voice_tab
    run(qloop, wait_until(lambda: tab._loaded_scope is not None and not tab.busy, message="load"))
    return tab


def row_where(tab: Any, predicate: Any) -> int:
    return next(r for r in range(tab.model.rowCount()) if predicate(tab.model.item_at(r)))


def select(tab: Any, *predicates: Any) -> list[str]:
    sids = [tab.model.item_at(row_where(tab, p)).sid for p in predicates]
    tab.select_sids(sids)
    return sids


def cell(tab: Any, row: int, column: int) -> str:
    return str(tab.model.data(tab.model.index(row, column)))


def press(qloop: Any, tab: Any, button: Any, answer: str) -> dict[str, Any]:
    """Click Configure/Restore, read the plan dialog, answer it, wait for the tab to settle."""

    async def scenario() -> dict[str, Any]:
        button.click()
        dialog = await dialog_of(ConfirmPlanDialog)
        seen = {
            "rows": plan_rows(dialog),
            "text": "\n".join(dialog.plan.summary_lines()),
            "warnings": list(dialog.plan.warnings),
            "confirm_enabled": dialog.confirm_button.isEnabled(),
            "acknowledge": dialog.acknowledge,
        }
        if answer == "cancel":
            dialog.cancel_button.click()
        else:
            if dialog.acknowledge is not None and answer == "acknowledge":
                dialog.acknowledge.setChecked(True)
            dialog.confirm_button.click()
        await wait_until(lambda: not tab.busy and bool(tab.result_label.text()), message="done")
        return seen

    return run(qloop, scenario())


def has_url(n: Any) -> bool:
    return n.live is not None and bool(n.live.voice_url) and not n.points_at_loquent


def test_table_shows_live_configuration_of_imported_numbers(
    window, qloop, context, sandbox
) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    assert tab.model.rowCount() == sandbox.seed.number_count
    trunk_row = row_where(tab, lambda n: n.live and n.live.trunk_sid)
    app_row = row_where(tab, lambda n: n.live and n.live.voice_application_sid)
    assert cell(tab, trunk_row, ANSWERS).startswith("SIP trunk")
    assert cell(tab, app_row, ANSWERS).startswith("TwiML app")
    assert {cell(tab, r, LOQUENT) for r in range(tab.model.rowCount())} == {"No"}
    assert {cell(tab, r, SAVED) for r in range(tab.model.rowCount())} == {"—"}
    # Selecting one number shows every field, and an empty history.
    select(tab, lambda n: n.live and n.live.trunk_sid)
    assert sandbox.seed.trunk_sid in rendered(tab.details.live.values["trunk_sid"])
    assert tab.details.history_empty.isVisible() or not tab.isVisible()
    assert not tab.restore_button.isEnabled() and tab.configure_button.isEnabled()


def test_configure_cancel_sends_nothing(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    select(tab, has_url)
    sandbox.server.clear_log()
    seen = press(qloop, tab, tab.configure_button, "cancel")
    assert ("Voice URL", DEFAULT_VOICE_URL) in [(r[1], r[3]) for r in seen["rows"]]
    assert "will stop reaching https://" in seen["text"]
    assert tab.result_label.text().startswith("Cancelled")
    assert writes(sandbox) == []


def test_configure_trunk_number_warns_in_red_and_routes_to_loquent(
    window, qloop, context, sandbox
) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    before = emulator_numbers(sandbox)
    (sid,) = select(tab, lambda n: n.live and n.live.trunk_sid)
    seen = press(qloop, tab, tab.configure_button, "confirm")
    assert any("SIP trunk" in w and "detached" in w for w in seen["warnings"])
    assert ("SIP trunk", sandbox.seed.trunk_sid, "(cleared)") in [
        (r[1], r[2], r[3]) for r in seen["rows"]
    ]
    after = emulator_numbers(sandbox)[sid]
    assert after["trunk_sid"] is None and after["voice_url"] == DEFAULT_VOICE_URL
    record = context.database.phone_numbers.get_by_sid(window.voice_tab.org.id, sid)
    assert record.previous_trunk_sid == before[sid]["trunk_sid"]
    # The table was read again: the number now points at Loquent, a configuration is saved.
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    row = row_where(tab, lambda n: n.sid == sid)
    assert cell(tab, row, LOQUENT) == "Yes" and cell(tab, row, SAVED).startswith("Saved")


def test_reconfigure_is_idempotent_and_keeps_the_original(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(tab, has_url)
    original = emulator_numbers(sandbox)[sid]
    press(qloop, tab, tab.configure_button, "confirm")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    sandbox.server.clear_log()

    async def again() -> str:
        tab.configure_button.click()
        box = await dialog_of(QMessageBox)
        text = box.text()
        box.accept()
        return text

    text = run(qloop, again())
    assert "Nothing to change" in text and "already points at Loquent" in text
    assert writes(sandbox) == []
    record = context.database.phone_numbers.get_by_sid(tab.org.id, sid)
    assert record.previous_voice_url == original["voice_url"]


def test_restore_without_drift_returns_the_number_exactly(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(tab, lambda n: n.live and n.live.voice_application_sid)
    original = emulator_numbers(sandbox)[sid]
    press(qloop, tab, tab.configure_button, "confirm")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    seen = press(qloop, tab, tab.restore_button, "confirm")
    assert seen["acknowledge"] is None and seen["confirm_enabled"]
    assert "will stop reaching Loquent and go to TwiML app" in seen["text"]
    assert emulator_numbers(sandbox)[sid] == original


def test_restore_with_drift_needs_a_tick_and_shows_the_change(
    window, qloop, context, sandbox
) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(tab, has_url)
    original = emulator_numbers(sandbox)[sid]
    press(qloop, tab, tab.configure_button, "confirm")
    console_update(sandbox, sid, voice_url="https://console.example.com/changed")
    tab.refresh()
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    row = row_where(tab, lambda n: n.sid == sid)
    assert "changed since" in cell(tab, row, SAVED)
    tab.select_sids([sid])
    assert "changed since" in rendered(tab.details.live.values["voice_url"])

    seen = press(qloop, tab, tab.restore_button, "acknowledge")
    assert seen["acknowledge"] is not None and not seen["confirm_enabled"]
    assert any("https://console.example.com/changed" in w for w in seen["warnings"])
    assert emulator_numbers(sandbox)[sid] == original


def test_number_without_url_is_restored_to_none(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(
        tab,
        lambda n: (
            n.live and not (n.live.voice_url or n.live.trunk_sid or n.live.voice_application_sid)
        ),
    )
    press(qloop, tab, tab.configure_button, "confirm")
    assert emulator_numbers(sandbox)[sid]["voice_url"] == DEFAULT_VOICE_URL
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    seen = press(qloop, tab, tab.restore_button, "confirm")
    assert ("Voice URL", DEFAULT_VOICE_URL, "(cleared)") in [
        (r[1], r[2], r[3]) for r in seen["rows"]
    ]
    assert "go to nobody" in seen["text"]
    assert emulator_numbers(sandbox)[sid]["voice_url"] is None


def test_bulk_with_one_failure_and_429s_then_rerun(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    sids = [tab.model.item_at(r).sid for r in range(8)]
    tab.select_sids(sids)
    sandbox.server.faults.add(f"*/IncomingPhoneNumbers/{sids[3]}.json", kind="500", method="POST")
    sandbox.server.faults.add(
        "*/IncomingPhoneNumbers/PN*", kind="429", count=2, retry_after=0, method="POST"
    )
    seen = press(qloop, tab, tab.configure_button, "confirm")
    assert seen["text"].startswith("Point 8 numbers at Loquent")
    result = tab.result_label.text()
    assert "7 done" in result and "1 failed" in result and "Run it again" in result
    routed = emulator_numbers(sandbox)
    assert sum(routed[s]["voice_url"] == DEFAULT_VOICE_URL for s in sids) == 7

    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids(sids)
    sandbox.server.faults.clear()
    sandbox.server.clear_log()
    press(qloop, tab, tab.configure_button, "confirm")
    assert "1 done" in tab.result_label.text() and "7 already as planned" in tab.result_label.text()
    assert len(sandbox.server.requests("POST")) == 1
    assert all(emulator_numbers(sandbox)[s]["voice_url"] == DEFAULT_VOICE_URL for s in sids)


def test_history_lists_the_numbers_changes(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(tab, has_url)
    press(qloop, tab, tab.configure_button, "confirm")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    press(qloop, tab, tab.restore_button, "confirm")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    history = tab.details.history
    run(qloop, wait_until(lambda: history.rowCount() == 2, message="history"))
    actions = [history.item(r, 1).text() for r in range(2)]
    assert actions == ["Restored", "Pointed at Loquent"]
    assert all(history.item(r, OUTCOME).text() == "succeeded" for r in range(2))
    assert DEFAULT_VOICE_URL in history.item(1, AFTER).text()


def test_history_shows_a_cancelled_plan_as_cancelled(window, qloop, context, sandbox) -> None:
    """Cancel, then confirm: one change was made, and the history must not say two were."""
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(tab, has_url)
    press(qloop, tab, tab.configure_button, "cancel")
    tab.select_sids([sid])
    press(qloop, tab, tab.configure_button, "confirm")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    history = tab.details.history
    run(qloop, wait_until(lambda: history.rowCount() == 2, message="history"))
    rows = [(history.item(r, CHANGE).text(), history.item(r, OUTCOME).text()) for r in range(2)]
    assert rows == [
        ("Pointed at Loquent", "succeeded"),
        ("Cancelled: Point at Loquent", "cancelled"),
    ]
    muted = history.item(1, CHANGE).foreground().color()
    assert muted != history.item(0, CHANGE).foreground().color()  # greyed, not like a change


def test_shared_organization_explains_and_offers_no_actions(
    window, qloop, context, sandbox
) -> None:
    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    tab = open_voice(window, qloop, context, sandbox, byo=False)
    assert "No numbers are imported" in tab.empty.text()
    # A number bought for the organization on the shared account: shown, not routable here.
    with sandbox.server.state.lock:
        shared = next(
            n
            for n in sandbox.server.state.numbers.values()
            if n.account_sid == sandbox.seed.shared_account_sid
        )
        raw = {
            "sid": shared.sid,
            "phone_number": shared.phone_number,
            "voice_url": shared.voice_url,
        }
    context.database.phone_numbers.upsert_many(tab.org.id, [raw], "purchased")
    tab.refresh()
    run(qloop, wait_until(lambda: not tab.busy and tab.model.rowCount() == 1, message="reload"))
    tab.select_sids([shared.sid])
    assert tab.shared_note.isVisibleTo(tab)
    assert "when they are bought" in tab.shared_note.text()
    assert tab.selected_sids() == [shared.sid]
    assert not tab.configure_button.isEnabled() and not tab.restore_button.isEnabled()
    tab.start_apply(configure=True)  # the shortcut path is refused too
    assert not tab.busy and writes(sandbox) == []
    assert QApplication.activeModalWidget() is None


def test_restore_over_drift_without_the_tick_sends_nothing(window, qloop, context, sandbox) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    (sid,) = select(tab, has_url)
    press(qloop, tab, tab.configure_button, "confirm")
    console_update(sandbox, sid, voice_url="https://console.example.com/changed")
    run(qloop, wait_until(lambda: not tab.busy, message="reload"))
    tab.select_sids([sid])
    sandbox.server.clear_log()

    async def scenario() -> bool:
        tab.restore_button.click()
        dialog = await dialog_of(ConfirmPlanDialog)
        enabled = dialog.confirm_button.isEnabled()
        dialog.confirm_button.click()  # disabled: does nothing
        dialog.cancel_button.click()
        await wait_until(lambda: not tab.busy and bool(tab.result_label.text()))
        return enabled

    assert run(qloop, scenario()) is False
    assert writes(sandbox) == []
    assert emulator_numbers(sandbox)[sid]["voice_url"] == "https://console.example.com/changed"


def test_large_selection_is_reselected_after_reload_without_freezing(
    window, qloop, context, sandbox
) -> None:
    """After a reload the selection is put back in one operation: with thousands of rows,
    one selection change per row took minutes."""
    tab = open_voice(window, qloop, context, sandbox)
    calls: list[int] = []
    tab.details.show_number = lambda n: calls.append(1)  # type: ignore[method-assign]
    tab.select_sids([tab.model.item_at(r).sid for r in range(tab.model.rowCount())])
    assert len(tab.selected_sids()) == tab.model.rowCount()
    assert len(calls) == 1


def test_removing_an_organization_with_saved_configurations_warns(
    window, qloop, context, sandbox
) -> None:
    tab = open_voice(window, qloop, context, sandbox)
    select(tab, has_url)
    press(qloop, tab, tab.configure_button, "confirm")

    async def scenario() -> str:
        removal = asyncio.ensure_future(window.credentials_tab.remove_org())
        box = await dialog_of(QMessageBox)
        text = box.text()
        box.reject()  # Cancel: keep the organization
        await removal
        return text

    text = run(qloop, scenario())
    assert "1 of its numbers point at Loquent" in text and "Restore is no longer possible" in text
    assert tab.org.id in [o.id for o in run(qloop, context.organizations.list())]
