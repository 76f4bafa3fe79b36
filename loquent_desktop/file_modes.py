"""Owner-only files: the database holds phone numbers and message bodies, the log names
accounts and numbers, and other users of the computer must read neither.

On POSIX the process's umask is narrowed before anything is created, so every file the app
writes (database, its -wal/-shm companions, rotated logs, settings, Qt's saved window state,
exports) is 0600 and every folder 0700; folders and files left by an older version are
tightened at start-up. Windows keeps files in the user's profile, private by its ACLs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def restrict_new_files() -> None:
    """From now on this process creates files 0600 and folders 0700 (POSIX only)."""
    if os.name == "posix":
        os.umask(PRIVATE_UMASK)


def make_private(directories: Iterable[Path]) -> None:
    """Create the app's own folders owner-only and tighten what an earlier version left in
    them (one level deep: the app keeps no deeper trees there)."""
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
        if os.name != "posix":
            continue
        _chmod(directory, DIRECTORY_MODE)
        for entry in directory.iterdir():
            if entry.is_symlink():
                continue  # never follow a link out of our folder
            _chmod(entry, DIRECTORY_MODE if entry.is_dir() else FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    # A file another user owns (a shared machine's leftovers) cannot be changed by us; it is
    # not ours to fix, and it must not stop the app.
    with contextlib.suppress(PermissionError, FileNotFoundError):
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
