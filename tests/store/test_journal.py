"""JournalRepository: the journal survives organization deletes and lists newest first."""

from __future__ import annotations

import pytest

from loquent_desktop.store import Database

PLAN = {
    "action": "configure_voice",
    "changes": [{"resource": "+14155550100", "field": "Voice URL", "before": "a", "after": "b"}],
    "cost": "No charge.",
}


def test_start_finish_list(db: Database) -> None:
    acme = db.organizations.add("Acme")
    other = db.organizations.add("Other")
    first = db.journal.start(PLAN, acme.id, "Acme", "configure_voice", "Route +1 415… to Loquent")
    second = db.journal.start({"x": 1}, other.id, "Other", "buy_number", "Buy +1 212…")
    third = db.journal.start({"y": [1, 2]}, acme.id, "Acme", "event_stream", "Stream SMS")

    running = db.journal.list()[0]
    assert running.id == third and running.outcome is None and running.finished_at is None

    done = db.journal.finish(first, "succeeded")
    assert done.outcome == "succeeded" and done.error is None and done.finished_at is not None
    db.journal.finish(second, "failed", "Twilio said 21452: no numbers")
    db.journal.finish(third, "cancelled")

    entries = db.journal.list()
    assert [e.id for e in entries] == [third, second, first]
    assert entries[2].plan == PLAN
    assert entries[1].error == "Twilio said 21452: no numbers"
    assert [e.id for e in db.journal.list(org_id=acme.id)] == [third, first]
    assert [e.id for e in db.journal.list(limit=1)] == [third]


def test_journal_survives_organization_delete(db: Database) -> None:
    org = db.organizations.add("Gone Inc")
    entry = db.journal.start(PLAN, org.id, "Gone Inc", "configure_voice", "Route")
    db.journal.finish(entry, "partial", "1 of 2 numbers changed")
    db.organizations.remove(org.id)
    [kept] = db.journal.list()
    assert kept.organization_id is None  # FK set null
    assert kept.organization_name == "Gone Inc"
    assert kept.outcome == "partial"


def test_unknown_outcome_rejected(db: Database) -> None:
    entry = db.journal.start(PLAN, None, "(shared)", "x", "y")
    with pytest.raises(ValueError):
        db.journal.finish(entry, "maybe")


def test_merge_result_adds_outcomes_while_running_and_never_after(db: Database) -> None:
    entry = db.journal.start(PLAN, None, "Acme", "voice.configure", "Point 3 numbers")
    assert db.journal.merge_result(entry, "numbers", {"PN1": {"outcome": "succeeded"}})
    assert db.journal.merge_result(
        entry, "numbers", {"PN2": {"outcome": "failed"}, "PN1": {"outcome": "unchanged"}}
    )
    running = db.journal.get(entry)
    assert running.outcome is None and running.finished_at is None
    assert running.result == {
        "numbers": {"PN1": {"outcome": "unchanged"}, "PN2": {"outcome": "failed"}}
    }
    final = {"numbers": {"PN1": {"outcome": "unchanged"}, "PN2": {"outcome": "failed"},
                         "PN3": {"outcome": "not started"}}}  # fmt: skip
    db.journal.finish(entry, "partial", "2 of 3 numbers", final)
    # The finished entry's result is the whole story: a late merge changes nothing.
    assert db.journal.merge_result(entry, "numbers", {"PN3": {"outcome": "succeeded"}}) is False
    assert db.journal.get(entry).result == final


def test_concurrent_merges_lose_nothing(db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    entry = db.journal.start(PLAN, None, "Acme", "voice.configure", "Point 80 numbers")

    def merge(worker: int) -> None:
        for i in range(20):
            db.journal.merge_result(entry, "numbers", {f"PN{worker}-{i}": {"outcome": "ok"}})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(merge, range(4)))
    numbers = (db.journal.get(entry).result or {})["numbers"]
    assert len(numbers) == 80


def test_find_running_names_the_entry_of_a_run(db: Database) -> None:
    first = db.journal.start({"details": {"run": "r1"}}, None, "Acme", "voice.configure", "a")
    second = db.journal.start({"details": {"run": "r2"}}, None, "Acme", "voice.configure", "b")
    done = db.journal.start({"details": {"run": "r3"}}, None, "Acme", "voice.configure", "c")
    db.journal.finish(done, "succeeded")
    assert db.journal.find_running("r2", [first, second]) == second
    assert db.journal.find_running("r1", [second]) is None
    assert db.journal.find_running("r3", [done]) is None  # finished: nothing to add to it
    assert db.journal.find_running("r1", []) is None
