"""The shipped Alembic migrations produce exactly the models' schema on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from loquent_desktop.store import open_database
from loquent_desktop.store.database import alembic_config, normalize_url
from loquent_desktop.store.models import Base


def test_upgrade_head_matches_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            assert diff == [], f"migrations and models differ: {diff}"
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert context.get_current_revision() == head
        tables = set(inspect(db.engine).get_table_names())
        assert {"organization", "phone_number", "audit_entry", "alembic_version"} <= tables
    finally:
        db.dispose()


def test_reopening_keeps_data(db_url: str) -> None:
    """Start-up runs `upgrade head` every time; on an up-to-date DB that must be a no-op."""
    first = open_database(db_url)
    first.organizations.add("Acme")
    first.dispose()
    second = open_database(db_url)
    try:
        assert [o.name for o in second.organizations.list()] == ["Acme"]
    finally:
        second.dispose()


def test_sqlite_connections_have_wal_and_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nested" / "dir" / "loquent.sqlite3"
    db = open_database(f"sqlite:///{path.as_posix()}")
    try:
        assert path.exists()  # parent folders are created
        assert db.is_sqlite
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        db.dispose()


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"
