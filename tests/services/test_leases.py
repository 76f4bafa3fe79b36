"""The service side of leases: a clear message for the second instance, release on every
exit, and work stopped when its lease is lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from loquent_desktop.domain.errors import RunningElsewhere
from loquent_desktop.services.leases import Leases
from loquent_desktop.store import Database, open_database


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    database = open_database(f"sqlite:///{(tmp_path / 'loquent.sqlite3').as_posix()}")
    yield database
    database.dispose()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, timeout=20))


def test_the_second_instance_is_told_who_runs_it(db: Database) -> None:
    first = Leases(db.leases, holder="first")
    second = Leases(db.leases, holder="second")

    async def scenario() -> str:
        async with first.hold("sync:messages:1", "A message sync for Acme"):
            with pytest.raises(RunningElsewhere) as caught:
                async with second.hold("sync:messages:1", "A message sync for Acme"):
                    pytest.fail("two holders")
            return str(caught.value)

    text = run(scenario())
    assert text.startswith("A message sync for Acme is already running on ")
    assert "process" in text and "try again" in text
    assert db.leases.get("sync:messages:1") is None  # released on the way out


def test_released_when_the_work_fails(db: Database) -> None:
    leases = Leases(db.leases, holder="first")

    async def scenario() -> None:
        async with leases.hold("voice:1", "A voice routing change for Acme"):
            raise ValueError("boom")

    with pytest.raises(ValueError):
        run(scenario())
    assert db.leases.get("voice:1") is None


def test_work_whose_lease_was_taken_over_is_stopped(db: Database) -> None:
    leases = Leases(db.leases, ttl=timedelta(minutes=1), renew_every_s=0.01, holder="slow")

    async def scenario() -> None:
        async with leases.hold("sync:messages:1", "A message sync for Acme"):
            # Another instance took over (as after a stall longer than the lease).
            await asyncio.to_thread(db.leases.release, "sync:messages:1", "slow")
            await asyncio.to_thread(
                db.leases.acquire, "sync:messages:1", "other", "h", 1, timedelta(minutes=1)
            )
            await asyncio.sleep(5)  # cancelled by the renewal long before this ends
            pytest.fail("the work went on without its lease")

    with pytest.raises(asyncio.CancelledError):
        run(scenario())
    assert db.leases.get("sync:messages:1").holder == "other"  # type: ignore[union-attr]
