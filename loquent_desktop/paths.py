"""Where the app keeps its files: data, config, cache and logs.

Paths come from platformdirs so each OS gets its usual locations. `LOQUENT_HOME` points all
four at subfolders of one root: tests and the sandbox use throw-away roots and must never
touch the user's real database, settings or logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .file_modes import make_private

APP_NAME = "loquent-desktop"
APP_AUTHOR = "Loquent"
HOME_ENV = "LOQUENT_HOME"

DATABASE_FILE = "loquent.sqlite3"
# The sandbox talks to the embedded emulator; its organizations and numbers are fake and
# must never land in the real database, so it gets a file of its own.
SANDBOX_DATABASE_FILE = "sandbox.sqlite3"


@dataclass(frozen=True)
class AppPaths:
    """The four directories the app writes to, plus whether this is the sandbox."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path
    sandbox: bool = False

    @classmethod
    def default(cls, env: dict[str, str] | None = None) -> AppPaths:
        """The real locations, or subfolders of `$LOQUENT_HOME` when that is set."""
        env = dict(os.environ) if env is None else env
        root = env.get(HOME_ENV, "").strip()
        if root:
            return cls.under(Path(root).expanduser())
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        )

    @classmethod
    def under(cls, root: Path, *, sandbox: bool = False) -> AppPaths:
        """All four directories as subfolders of `root`."""
        return cls(
            data_dir=root / "data",
            config_dir=root / "config",
            cache_dir=root / "cache",
            log_dir=root / "logs",
            sandbox=sandbox,
        )

    @classmethod
    def for_sandbox(cls, env: dict[str, str] | None = None) -> AppPaths:
        """Same directories as `default()`, flagged so the database is `sandbox.sqlite3`."""
        base = cls.default(env)
        return cls(base.data_dir, base.config_dir, base.cache_dir, base.log_dir, sandbox=True)

    @property
    def database_file(self) -> Path:
        return self.data_dir / (SANDBOX_DATABASE_FILE if self.sandbox else DATABASE_FILE)

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    def ensure(self) -> AppPaths:
        """Create the directories, owner-only (idempotent), and return self for chaining."""
        make_private((self.data_dir, self.config_dir, self.cache_dir, self.log_dir))
        return self


def default_database_url(paths: AppPaths, sandbox: bool | None = None) -> str:
    """SQLAlchemy URL of the local SQLite file (the sandbox one when `sandbox` is true)."""
    use_sandbox = paths.sandbox if sandbox is None else sandbox
    name = SANDBOX_DATABASE_FILE if use_sandbox else DATABASE_FILE
    # as_posix(): SQLAlchemy URLs want forward slashes, also on Windows.
    return f"sqlite:///{(paths.data_dir / name).as_posix()}"
