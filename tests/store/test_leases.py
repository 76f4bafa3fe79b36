"""Leases on SQLite and PostgreSQL: one holder at a time, lapsed or crashed holders taken
over, and a race between many connections won by exactly one."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest

from loquent_desktop.store import Database, open_database
from loquent_desktop.store.repositories.leases import LeaseTaken

MINUTE = timedelta(minutes=1)
DEAD_PID = 2**22 + 12345  # above Linux's pid_max default: no such process


def test_one_holder_at_a_time(db: Database) -> None:
    first = db.leases.acquire("sync:messages:1", "a", "host-a", 101, MINUTE)
    assert first.holder == "a"
    with pytest.raises(LeaseTaken) as taken:
        db.leases.acquire("sync:messages:1", "b", "host-b", 202, MINUTE)
    assert (taken.value.current.holder, taken.value.current.host) == ("a", "host-a")
    # Another name is another piece of work.
    assert db.leases.acquire("sync:calls:1", "b", "host-b", 202, MINUTE).holder == "b"


def test_release_and_renew(db: Database) -> None:
    db.leases.acquire("voice:1", "a", "host-a", 101, MINUTE)
    assert db.leases.renew("voice:1", "a", MINUTE)
    assert not db.leases.renew("voice:1", "b", MINUTE)
    db.leases.release("voice:1", "b")  # not b's: nothing happens
    assert db.leases.get("voice:1") is not None
    db.leases.release("voice:1", "a")
    assert db.leases.get("voice:1") is None
    assert db.leases.acquire("voice:1", "b", "host-b", 202, MINUTE).holder == "b"


def test_a_lapsed_lease_is_taken_over(db: Database) -> None:
    db.leases.acquire("sync:messages:1", "a", "host-a", 101, timedelta(seconds=-1))
    assert db.leases.acquire("sync:messages:1", "b", "host-b", 202, MINUTE).holder == "b"
    assert not db.leases.renew("sync:messages:1", "a", MINUTE)  # a learns it lost it


def test_a_crashed_process_on_this_computer_is_taken_over(db: Database) -> None:
    db.leases.acquire("sync:messages:1", "dead", "here", DEAD_PID, MINUTE)
    assert db.leases.acquire("sync:messages:1", "me", "here", os.getpid(), MINUTE).holder == "me"


def test_a_live_process_elsewhere_is_not_taken_over(db: Database) -> None:
    db.leases.acquire("sync:messages:1", "other", "elsewhere", DEAD_PID, MINUTE)
    with pytest.raises(LeaseTaken):
        db.leases.acquire("sync:messages:1", "me", "here", os.getpid(), MINUTE)


def test_a_race_has_exactly_one_winner(db_url: str) -> None:
    """Eight connections (as eight app instances would have) ask at the same moment."""
    databases = [open_database(db_url) for _ in range(8)]
    start = threading.Barrier(len(databases))
    winners: list[str] = []
    errors: list[BaseException] = []

    def contend(index: int, database: Database) -> None:
        start.wait(timeout=10)
        try:
            database.leases.acquire("sync:messages:1", f"p{index}", f"h{index}", 100, MINUTE)
            winners.append(f"p{index}")
        except LeaseTaken:
            pass
        except BaseException as exc:  # a lock error would be a failure of the design
            errors.append(exc)

    threads = [threading.Thread(target=contend, args=pair) for pair in enumerate(databases)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert len(winners) == 1
        assert databases[0].leases.get("sync:messages:1").holder == winners[0]  # type: ignore[union-attr]
    finally:
        for database in databases:
            database.dispose()
