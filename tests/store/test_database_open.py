"""Opening the database at start-up: Alembic runs (and is imported) only when the database is
behind the newest migration, which is read from the migration files' text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from loquent_desktop.store.database import (
    alembic_config,
    create_database_engine,
    current_revisions,
    head_revision,
    open_database,
    upgrade,
)

_OPEN = (
    "import sys\n"
    "from loquent_desktop.store.database import open_database\n"
    "open_database(sys.argv[1]).dispose()\n"
    "print('alembic' in sys.modules)\n"
)


def _open_in_fresh_process(url: str) -> bool:
    """Open `url` in a new interpreter; whether that imported Alembic."""
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] == "True"


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_database_at_the_newest_revision_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'loquent.sqlite3').as_posix()}"
    assert _open_in_fresh_process(url) is True  # new: migrated
    assert _open_in_fresh_process(url) is False  # at head: Alembic not even imported


def test_a_database_behind_is_migrated_on_open(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'loquent.sqlite3').as_posix()}"
    engine = create_database_engine(url)
    try:
        upgrade(engine, "0005")
        assert current_revisions(engine) == ["0005"]
    finally:
        engine.dispose()
    db = open_database(url)
    try:
        assert current_revisions(db.engine) == [head_revision()]
    finally:
        db.dispose()
