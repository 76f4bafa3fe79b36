"""LastKnownRepository on SQLite and PostgreSQL: a read stored as JSON comes back as it was
(names with quotes, backslashes and non-ASCII included), and `touch` moves the time of the
read stored only while it is still that read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loquent_desktop.store import Database
from loquent_desktop.store.repositories.last_known import OWNED, VOICE, LastKnownRepository

ACCOUNT = "AC" + "1" * 32


def test_a_stored_read_comes_back_as_it_was(db: Database) -> None:
    repository = LastKnownRepository(db.sessions)
    org = db.organizations.add("Zoë & Co")
    rows = [
        {"sid": "PN" + "1" * 32, "friendly_name": 'Front desk "main" \\ ☎ Zoë', "trunk_sid": None},
        {"sid": "PN" + "2" * 32, "capabilities": {"voice": True, "sms": False}, "n": 3},
    ]
    read_at = datetime(2026, 12, 3, 12, 0, 0, 123456, tzinfo=UTC)
    repository.replace(org.id, OWNED, ACCOUNT, rows, read_at)
    stored = repository.load(org.id, OWNED, ACCOUNT)
    assert stored.rows == {row["sid"]: row for row in rows}
    assert stored.read_at == read_at
    assert not repository.load(org.id, VOICE, ACCOUNT)


def test_touch_moves_the_time_only_of_the_read_it_names(db: Database) -> None:
    repository = LastKnownRepository(db.sessions)
    org = db.organizations.add("Twice read")
    first = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    rows = [{"sid": "PN" + "3" * 32}]
    repository.replace(org.id, OWNED, ACCOUNT, rows, first)

    again = first + timedelta(minutes=5)
    assert repository.touch(org.id, OWNED, ACCOUNT, first, again)
    assert repository.load(org.id, OWNED, ACCOUNT).read_at == again
    # The row is no longer the read stored at `first`: nothing moves, the caller stores.
    assert not repository.touch(org.id, OWNED, ACCOUNT, first, again + timedelta(minutes=1))
    assert not repository.touch(org.id, OWNED, "AC" + "9" * 32, again, again + timedelta(1))
    assert not repository.touch(org.id, VOICE, ACCOUNT, again, again + timedelta(minutes=1))
    stored = repository.load(org.id, OWNED, ACCOUNT)
    assert stored.read_at == again and list(stored.rows) == ["PN" + "3" * 32]
