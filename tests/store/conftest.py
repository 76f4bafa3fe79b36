"""Database fixtures: a SQLite file per test, and PostgreSQL when LOQUENT_TEST_POSTGRES_URL
points at a server (each test gets a throw-away schema there, dropped afterwards)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loquent_desktop.store import Database, open_database


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'loquent.sqlite3').as_posix()}"
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()
