"""Start-up stays light: the window paints before the core's heavy libraries are imported
(bench/bench_startup.py measures how fast; this checks the cause holds). Each check runs in
a fresh interpreter, since this one has long imported everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Each costs tens to hundreds of milliseconds to import; none is needed to paint the frame.
HEAVY = ("sqlalchemy", "alembic", "twilio", "aiohttp", "keyring", "phonenumbers")


def _modules_after(code: str, cwd: Path) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"QT_QPA_PLATFORM": "offscreen", "LOQUENT_HOME": str(cwd / "home")},
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_everything_the_first_paint_needs_imports_nothing_heavy(tmp_path: Path) -> None:
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "import qasync\n"
        "from loquent_desktop import cli\n"
        "from loquent_desktop.ui import launcher, color_scheme, resources\n"
        "from loquent_desktop.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        "window = MainWindow(sandbox=True)\n"
        "window.show()\n"
        "app.processEvents()\n"
        "options = cli.start_options(cli.parse_args(['--sandbox']))\n"
        "options.check()\n"
    )
    loaded = _modules_after(code, tmp_path)
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    core = [
        m for m in loaded if m.startswith(("loquent_desktop.services", "loquent_desktop.store"))
    ]
    assert heavy == [] and core == [], (heavy, core)


def test_the_core_import_brings_what_start_app_needs(tmp_path: Path) -> None:
    """The other side: `import_core()` (run on a worker thread after the paint) imports the
    core, so `start_app` does not import it on the GUI thread."""
    loaded = _modules_after("from loquent_desktop.app import import_core\nimport_core()", tmp_path)
    assert {"sqlalchemy", "twilio", "aiohttp", "keyring"} <= set(loaded)
    assert "loquent_desktop.store.database" in loaded
    assert "PySide6" not in loaded  # Qt-free: safe on a worker thread
