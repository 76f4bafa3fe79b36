"""Opening the database: engine set-up, migrations at start-up, sessions.

SQLite (the default, one file per user) and PostgreSQL (a shared database for a team) are
both supported. The schema is always brought to the newest Alembic revision on open, so a
user upgrading the app never runs a manual step. Alembic itself (about 0.4 s to import) is
only loaded when the database is not at the newest revision already: start-up compares the
`alembic_version` row with the newest revision read from the migration files' text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .repositories import (
    EventStreamRepository,
    JournalRepository,
    OrganizationRepository,
    PhoneNumberRepository,
)
from .repositories.calls import CallRepository
from .repositories.contacts import ContactRepository
from .repositories.leases import LeaseRepository
from .repositories.messages import MessageRepository
from .repositories.recordings import RecordingRepository
from .repositories.sync_checkpoints import SyncCheckpointRepository

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Database:
    """An engine, a sessionmaker, and the repositories built on them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # expire_on_commit=False: repositories turn rows into records after commit.
        self.sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
        self.organizations = OrganizationRepository(self.sessions)
        self.phone_numbers = PhoneNumberRepository(self.sessions)
        self.journal = JournalRepository(self.sessions)
        self.messages = MessageRepository(self.sessions)
        self.calls = CallRepository(self.sessions)
        self.recordings = RecordingRepository(self.sessions)
        self.contacts = ContactRepository(self.sessions)
        self.sync_checkpoints = SyncCheckpointRepository(self.sessions)
        self.event_streams = EventStreamRepository(self.sessions)
        self.leases = LeaseRepository(self.sessions)

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def normalize_url(url: str | URL) -> URL:
    """Accept `postgresql://` and `postgres://` as psycopg 3 (the driver we ship)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_database_engine(url: str | URL) -> Engine:
    parsed = normalize_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        # Repositories are called from worker threads (never concurrently on one
        # connection: the pool hands each thread its own checkout).
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True  # a shared server may drop idle connections
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL: the GUI can read while a worker writes. Foreign keys are off by default in
        # SQLite; cascades and SET NULL depend on them.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def alembic_config() -> Config:
    """Alembic configured in code: the packaged app has no alembic.ini."""
    from alembic.config import Config

    config = Config()
    # configparser interpolation: a '%' in an install path must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run migrations up to `revision` on `engine`."""
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch migrations recreate tables; with foreign keys ON, dropping the old
            # table would cascade-delete child rows. The pragma cannot change inside a
            # transaction, hence before begin() and restored afterwards.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


# `revision: str = "0007"` / `down_revision: str | None = "0006"` in a migration file.
_REVISION_LINE = re.compile(
    r"^(down_revision|revision)\b[^=\n]*=\s*(?:None|[\"']([^\"']*)[\"'])", re.M
)


def head_revision() -> str | None:
    """The newest migration's revision id, from the migration files' text; None when that
    cannot be told (no files, several heads): then Alembic is asked."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revisions(engine: Engine) -> list[str]:
    """The database's `alembic_version` rows; empty for a new database."""
    with engine.connect() as connection:
        try:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return [str(row[0]) for row in rows]
        except DBAPIError:  # no such table yet (or no server: upgrade() then says so)
            return []


def upgrade_if_needed(engine: Engine, on_upgrade: Callable[[], None] | None = None) -> None:
    """`upgrade(engine)` unless the database is at the newest revision already.
    `on_upgrade` is called first when an existing database is behind (not a new one)."""
    head = head_revision()
    current = current_revisions(engine)
    if head is None or current != [head]:
        if current and on_upgrade is not None:
            on_upgrade()
        upgrade(engine)


def open_database(
    url: str | URL, *, migrate: bool = True, on_upgrade: Callable[[], None] | None = None
) -> Database:
    """Engine + migrations to head + repositories. Raises on an unreachable server.
    `on_upgrade`: called before an existing database is migrated (rebuilding an index at a
    million rows takes tens of seconds: the window says so meanwhile)."""
    engine = create_database_engine(url)
    if migrate:
        try:
            upgrade_if_needed(engine, on_upgrade)
        except BaseException:
            engine.dispose()
            raise
    log.info("Opened database %s", engine.url.render_as_string(hide_password=True))
    return Database(engine)
