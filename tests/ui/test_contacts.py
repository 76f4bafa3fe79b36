"""The Sync tab's Contacts page through the real window, on history synced from the
emulator: one row per contact with exactly the counts, times and numbers of the synced
messages and calls, search, sort, CSV export, a contact's history in the browser, the
empty state, and the sandbox's first-view sync. Nothing on Twilio changes."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from loquent_desktop.domain.contacts import parties
from loquent_desktop.services.contacts import CONTACT_CSV_HEADER
from loquent_desktop.ui.contacts_view import EMPTY
from loquent_desktop.ui.models.contacts_model import CALLS, LAST, MESSAGES
from tests.conftest import wait_until
from tests.services.test_history_sync import (
    fast_retries,
    only_reads,
    own_numbers,
    seed_messages,
)
from tests.support.history import add_messages

REGULAR = "+12065550123"  # a contact who writes often: two-digit counts must sort as numbers


def seed_regular(sandbox: Any, count: int = 12) -> None:
    """`count` messages between REGULAR and the first of the account's numbers."""
    state = sandbox.server.state
    made = add_messages(state, sandbox.seed.account_sid, own_numbers(sandbox)[:1], count, seed=7)
    with state.lock:
        for message in made:
            if message.direction == "inbound":
                message.from_ = REGULAR
            else:
                message.to = REGULAR


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def connected_org(qloop: Any, context: Any, sandbox: Any) -> int:
    fast_retries(context)
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    numbers = run(qloop, context.numbers.list_owned(org.id))
    run(qloop, context.numbers.import_numbers(org.id, numbers))
    return int(org.id)


def expected_contacts(context: Any, org_id: int) -> dict[str, tuple[Any, ...]]:
    """Counted in Python from every synced record, independently of the SQL that the view
    uses: {contact: (messages, calls, first, last, our numbers)}."""
    stored = {
        c.phone_number: c.last_contacted_at for c in context.database.contacts.list_for_org(org_id)
    }
    seen: dict[str, list[Any]] = {p: [0, 0, None, None, set()] for p in stored}
    records = [
        (0, m.direction, m.from_number, m.to_number, None, m.when)
        for m in context.database.messages.all_for_org(org_id)
    ]
    records += [(1, c.direction, c.from_number, c.to_number, c.parent_call_sid, c.when)
                for c in context.database.calls.all_for_org(org_id)]  # fmt: skip
    for index, direction, from_, to, parent, when in records:
        ours, theirs = parties(direction, from_, to, parent)
        if theirs not in seen:
            continue
        row = seen[theirs]
        row[index] += 1
        row[2] = when if row[2] is None else min(row[2], when)
        row[3] = when if row[3] is None else max(row[3], when)
        if ours:
            row[4].add(ours)
    return {
        phone: (m, c, first, max(last, stored[phone]) if stored[phone] else last,
                tuple(sorted(ours)))
        for phone, (m, c, first, last, ours) in seen.items()
    }  # fmt: skip


def show_contacts(qloop: Any, window: Any, org_id: int) -> Any:
    run(qloop, window.load(org_id))
    tab = window.sync_tab
    window.tabs.setCurrentIndex(window.tab_names().index("Sync"))
    tab.pages.setCurrentWidget(tab.contacts)
    run(qloop, wait_until(lambda: tab.contacts.loaded, 20, "contacts read"))
    run(qloop, window.tasks.wait_idle())
    return tab.contacts


def test_contacts_list_counts_times_and_our_numbers(qloop, context, sandbox, window) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 300)
    seed_regular(sandbox)
    org_id = connected_org(qloop, context, sandbox)
    view = show_contacts(qloop, window, org_id)
    assert view.panel.empty.isVisible() and view.panel.empty.text() == EMPTY

    run(qloop, context.history.sync.start(org_id, "messages"))
    run(qloop, context.history.sync.start(org_id, "calls"))
    view.reload()
    run(qloop, wait_until(lambda: view.model.rowCount() > 0, 20, "contacts listed"))
    run(qloop, window.tasks.wait_idle())

    expected = expected_contacts(context, org_id)
    assert len(expected) > 10 and any(v[0] and v[1] for v in expected.values())
    shown = {
        r.phone_number: (r.messages, r.calls, r.first_contact, r.last_contact, r.our_numbers)
        for r in view.model.visible_items
    }
    assert shown == expected
    assert view.panel.count_label.text() == f"{len(expected):,} contacts"
    # Newest contact first; the last contact time is on screen in local time.
    rows = view.model.visible_items
    assert [r.last_contact for r in rows] == sorted((r.last_contact for r in rows), reverse=True)
    top = view.model.index(0, LAST).data()
    assert top == rows[0].last_contact.astimezone().strftime("%Y-%m-%d %H:%M")
    # Sorting by a count sorts by its value, not its text.
    view.table.sortByColumn(MESSAGES, Qt.SortOrder.DescendingOrder)
    counts = [r.messages for r in view.model.visible_items]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 12
    assert view.model.visible_items[0].phone_number == REGULAR
    assert view.model.visible_items[0].our_numbers == (own_numbers(sandbox)[0],)
    view.table.sortByColumn(CALLS, Qt.SortOrder.AscendingOrder)
    assert [r.calls for r in view.model.visible_items] == sorted(v[1] for v in expected.values())
    only_reads(sandbox)


def test_search_export_and_a_contacts_history(
    qloop, context, sandbox, window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seed_messages(sandbox, 120)
    org_id = connected_org(qloop, context, sandbox)
    run(qloop, context.history.sync.start(org_id, "messages"))
    run(qloop, context.history.sync.start(org_id, "calls"))
    view = show_contacts(qloop, window, org_id)
    everyone = view.model.visible_items
    target = max(everyone, key=lambda r: r.messages)

    # A number typed the way people write it still finds the contact.
    digits = target.phone_number[2:]
    view.search.setText(f"({digits[:3]}) {digits[3:6]}-{digits[6:]}")
    assert [r.phone_number for r in view.model.visible_items] == [target.phone_number]
    assert view.panel.count_label.text() == f"Showing 1 of {len(everyone):,}"

    path = tmp_path / "contacts.csv"
    assert run(qloop, view.save_csv(path))
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0]) == CONTACT_CSV_HEADER
    ours = " ".join(target.our_numbers)
    # Several numbers in one cell start with "+" but are no plain number: a spreadsheet would
    # evaluate them, so they are quoted like any other formula-like cell.
    ours = ours if len(target.our_numbers) == 1 else "'" + ours
    assert lines[1:] == [[
        target.phone_number, target.first_contact.isoformat(), target.last_contact.isoformat(),
        str(target.messages), str(target.calls), ours,
    ]]  # fmt: skip
    assert datetime.fromisoformat(lines[1][2]) == target.last_contact

    # Show messages and calls: the history page, filtered to that contact.
    view.table.selectRow(0)
    assert view.open_button.isEnabled()
    view.open_button.click()
    tab = window.sync_tab
    browser = tab.browser
    run(qloop, wait_until(lambda: browser.messages.search.text() == target.phone_number, 10))
    run(qloop, window.tasks.wait_idle())
    assert tab.pages.currentWidget() is tab.history_page
    assert browser.pages.currentWidget() is browser.messages
    shown = browser.messages.model.visible_items
    assert len(shown) == target.messages, browser.messages.panel.empty.text()
    assert all(target.phone_number in (m.from_number, m.to_number) for m in shown)
    assert browser.calls.search.text() == target.phone_number
    only_reads(sandbox)


def test_the_sandbox_syncs_its_demo_history_on_first_view(qloop, context, sandbox, window) -> None:  # type: ignore[no-untyped-def]
    org_id = connected_org(qloop, context, sandbox)
    window.sync_tab.contacts.auto_sync = True  # what --sandbox sets
    view = show_contacts(qloop, window, org_id)
    assert view.model.rowCount() > 0
    assert len(context.database.messages.all_for_org(org_id)) > 0
    assert len(context.database.calls.all_for_org(org_id)) > 0
    assert all(r.last_contact is not None for r in view.model.visible_items)
    only_reads(sandbox)
