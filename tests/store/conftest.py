"""Database fixtures: a SQLite file per test, and PostgreSQL when LOQUENT_TEST_POSTGRES_URL
points at a server (each test gets a throw-away schema there, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from loquent_desktop.store import Database, open_database
from loquent_desktop.store.database import normalize_url

POSTGRES_ENV = "LOQUENT_TEST_POSTGRES_URL"
POSTGRES_SKIP = (
    f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://user:pw@127.0.0.1:5432/db); "
    "./dev.sh test starts a server and sets it"
)


def _postgres_schema_url(schema: str) -> str:
    base = normalize_url(os.environ[POSTGRES_ENV])
    # Every connection of the engine under test sees only this schema.
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


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
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(POSTGRES_SKIP)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(normalize_url(os.environ[POSTGRES_ENV]))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()
