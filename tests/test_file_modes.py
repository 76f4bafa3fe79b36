"""The app's files are its owner's alone: after a sandbox run with a screenshot, every
folder the app made is 0700 and every file in it 0600 (database, its companions, the log,
settings and saved window state); folders and files an older version left are tightened."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from loquent_desktop.file_modes import make_private

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _modes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root)): stat.S_IMODE(path.stat().st_mode)
        for path in [root, *root.rglob("*")]
        if not path.is_symlink()
    }


def test_a_sandbox_run_leaves_only_owner_only_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "LOQUENT_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [sys.executable, "-m", "loquent_desktop", "--sandbox", "--screenshot", str(shot)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists()
    modes = _modes(home)
    files = {name: mode for name, mode in modes.items() if (home / name).is_file()}
    folders = {name: mode for name, mode in modes.items() if (home / name).is_dir() and name != "."}
    assert any(name.endswith(".log") for name in files), files  # the log is there to check
    assert any("sqlite" in name for name in files), files  # and the database
    assert {n: oct(m) for n, m in files.items() if m != 0o600} == {}
    assert {n: oct(m) for n, m in folders.items() if m != 0o700} == {}


def test_an_older_versions_lax_files_are_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    database = data / "loquent.sqlite3"
    database.write_text("rows")
    database.chmod(0o644)
    (data / "exports").mkdir(mode=0o755)

    make_private([data, tmp_path / "logs"])

    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "exports").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
