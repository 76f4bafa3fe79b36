"""The one current organization and the reads that belong to its scope.

What a user would notice: every tab follows the organization chosen on the Credentials tab,
a rename does not throw away what a tab shows, and nothing read for an organization (or an
account) no longer shown ever lands on screen, not even an error that arrives just before
the switch.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from loquent_desktop.domain.errors import LoquentError
from loquent_desktop.domain.records import OrganizationRecord
from loquent_desktop.ui.async_tasks import TaskRunner
from loquent_desktop.ui.selection import OrganizationSelection, scope_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def org(
    org_id: int, name: str = "Northwind", byo: bool = True, **changes: Any
) -> OrganizationRecord:
    record = OrganizationRecord(
        id=org_id,
        name=name,
        keychain_id=f"k{org_id}",
        byo_twilio=byo,
        twilio_account_sid="AC" + "1" * 32 if byo else None,
        credential_kind="auth_token" if byo else None,
        api_key_sid=None,
        account_friendly_name=None,
        account_status="active",
        account_type="Full",
        credentials_verified_at=None,
        voice_url=None,
        events_url=None,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(record, **changes)


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def selection(qapp):  # type: ignore[no-untyped-def]
    return OrganizationSelection()


def test_track_calls_now_and_on_every_change_renames_included(selection) -> None:
    selection.select(org(1))
    seen: list[str | None] = []
    selection.track(lambda: seen.append(selection.current.name if selection.current else None))
    assert seen == ["Northwind"]  # call_now: a tab built late still shows the current one
    selection.update(org(1, name="Northwind Health"))
    selection.select(None)
    assert seen == ["Northwind", "Northwind Health", None]


def test_scope_changes_only_when_the_data_would_differ(selection) -> None:
    scope_changes = Calls()
    selection.track_scope(scope_changes, call_now=False)
    selection.select(org(1))
    assert scope_changes.count == 1
    selection.update(org(1, name="Renamed"))  # same account: what was read still applies
    selection.select(selection.current)  # the list was reloaded
    assert scope_changes.count == 1
    for fresher in (
        org(1, twilio_account_sid="AC" + "2" * 32),  # another Twilio account
        org(1, twilio_account_sid="AC" + "2" * 32, voice_url="https://x.example/voice"),
        org(1, byo=False),  # moved to the shared account
    ):
        selection.update(fresher)
    assert scope_changes.count == 4
    selection.select(org(2))
    assert scope_changes.count == 5


def test_a_new_shared_account_changes_only_a_shared_organizations_scope(selection) -> None:
    scope_changes = Calls()
    selection.track_scope(scope_changes, call_now=False)
    selection.select(org(1, byo=True))
    selection.shared_account_changed()  # a BYO organization never runs on it
    assert scope_changes.count == 1
    selection.select(org(2, byo=False))
    before = selection.scope
    selection.shared_account_changed()
    assert scope_changes.count == 3 and selection.scope != before


def test_a_fresher_record_of_another_organization_does_not_change_the_current(selection) -> None:
    selection.select(org(1))
    updated: list[OrganizationRecord] = []
    changes = Calls()
    selection.record_updated.connect(updated.append)
    selection.track(changes, call_now=False)
    selection.update(org(2, name="Other"))
    assert [o.name for o in updated] == ["Other"]  # the list relabels its entry
    assert changes.count == 0 and selection.current == org(1)


def test_scope_of_no_organization_is_none() -> None:
    assert scope_of(None) is None


# -- reads that belong to a scope -------------------------------------------------------


@pytest.fixture
def runner(qloop, selection):  # type: ignore[no-untyped-def]
    runner = TaskRunner(selection=selection)
    yield runner
    qloop.run_until_complete(runner.cancel_all())


def test_a_read_for_a_scope_left_behind_never_shows(qloop, selection, runner) -> None:
    selection.select(org(1))
    answer: asyncio.Future[str] = qloop.create_future()
    shown: list[str] = []
    done = Calls()

    async def read() -> None:
        shown.append(await answer)

    task = runner.start_scoped(read(), "Read", on_done=lambda _t: done())
    qloop.run_until_complete(asyncio.sleep(0))
    answer.set_result("numbers of Northwind")  # the answer is in, the task not yet resumed
    selection.select(org(2))  # ...and the user switches first
    qloop.run_until_complete(asyncio.wait([task], timeout=5))
    assert task.cancelled() and shown == [] and done.count == 0


def test_a_failure_just_before_the_switch_is_dropped(qloop, selection, runner) -> None:
    selection.select(org(1))
    errors: list[BaseException] = []
    reported: list[str] = []
    runner.failed.connect(lambda description, _exc: reported.append(description))

    async def read() -> None:
        # The user switches after this read failed but before its failure is reported: the
        # switch is queued first, the report (the task's done-callbacks) after it.
        asyncio.get_running_loop().call_soon(selection.select, org(2))
        raise LoquentError("Northwind's token was revoked")

    task = runner.start_scoped(read(), "Read", on_error=errors.append)
    qloop.run_until_complete(asyncio.wait([task], timeout=5))
    qloop.run_until_complete(asyncio.sleep(0))
    assert selection.current == org(2)
    assert errors == [] and reported == []


def test_a_read_in_the_same_scope_survives_a_rename(qloop, selection, runner) -> None:
    selection.select(org(1))
    answer: asyncio.Future[str] = qloop.create_future()
    shown: list[str] = []
    done = Calls()

    async def read() -> None:
        shown.append(await answer)

    task = runner.start_scoped(read(), "Read", on_done=lambda _t: done())
    selection.update(org(1, name="Northwind Health"))
    answer.set_result("numbers")
    qloop.run_until_complete(asyncio.wait([task], timeout=5))
    qloop.run_until_complete(asyncio.sleep(0))
    assert shown == ["numbers"] and done.count == 1


def test_work_that_is_not_a_read_is_never_cancelled_by_a_switch(qloop, selection, runner) -> None:
    """A purchase or a routing run must finish and tell its outcome wherever the user is."""
    selection.select(org(1))
    answer: asyncio.Future[str] = qloop.create_future()
    finished: list[str] = []

    async def buy() -> None:
        finished.append(await answer)

    task = runner.start(buy(), "Buy number")
    selection.select(org(2))
    answer.set_result("bought")
    qloop.run_until_complete(asyncio.wait([task], timeout=5))
    assert finished == ["bought"]


def test_a_deleted_view_is_no_longer_told(qapp, selection) -> None:
    import shiboken6
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    selection.track(label.clear, call_now=False)
    shiboken6.delete(label)
    selection.select(org(1))  # would raise "Internal C++ object already deleted"
    assert selection.current == org(1)


# -- the window ---------------------------------------------------------------------------


def test_every_tab_follows_the_organization_chosen_in_the_list(window, qloop, context) -> None:
    first = qloop.run_until_complete(context.organizations.add("Alpha Clinic"))
    second = qloop.run_until_complete(context.organizations.add("Beta Clinic"))
    qloop.run_until_complete(window.load(first.id))
    org_list = window.credentials_tab.org_list
    row = next(
        i
        for i in range(org_list.count())
        if org_list.item(i).data(Qt.ItemDataRole.UserRole).id == second.id
    )
    org_list.setCurrentRow(row)

    assert window.selection.current.id == second.id
    assert window.org_label.text() == "Beta Clinic"
    assert window.credentials_tab.details.title.text() == "Beta Clinic"
    assert window.numbers_tab.owned.org.id == second.id
    assert window.numbers_tab.search.org.id == second.id
    assert window.voice_tab.org.id == second.id
    window.tabs.setCurrentWidget(window.sync_tab)
    qloop.run_until_complete(window.tasks.wait_idle())
    assert window.sync_tab.history_sync.org_id == second.id
