"""The shipped Alembic migrations produce exactly the models' schema on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from loquent_desktop.store import open_database
from loquent_desktop.store.database import alembic_config, normalize_url
from loquent_desktop.store.models import Base, is_search_object


def test_upgrade_head_matches_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            # FTS5 tables and GIN indexes of history search (0007) are not models.
            opts = {"compare_type": True, "include_name": lambda n, *_: not is_search_object(n)}
            context = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(context, Base.metadata)
            assert diff == [], f"migrations and models differ: {diff}"
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert context.get_current_revision() == head
        tables = set(inspect(db.engine).get_table_names())
        assert {"organization", "phone_number", "journal_entry", "alembic_version"} <= tables
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


def test_journal_rename_keeps_every_entry(db_url: str) -> None:
    """0003 renames audit_entry to journal_entry: rows, ids and the next id survive."""
    from loquent_desktop.store.database import create_database_engine, upgrade

    engine = create_database_engine(db_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO audit_entry (id, organization_name, action, title, plan, "
                        "outcome, created_at) VALUES (:id, 'Acme', 'voice.configure', :title, "
                        "'{}', 'succeeded', '2026-11-30 10:00:00+00:00')"
                    ),
                    {"id": n * 10, "title": f"change {n}"},
                )
        upgrade(engine)
    finally:
        engine.dispose()
    db = open_database(db_url)
    try:
        entries = db.journal.list(10)
        assert sorted((e.id, e.title) for e in entries) == [(10, "change 1"), (20, "change 2")]
        new = db.journal.start({}, None, "Acme", "numbers.buy", "change 3")
        assert new > 20
        assert "audit_entry" not in set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
