"""Start-up benchmark: process start to the first painted window, against a bare PySide6
window with the same tabs started and measured the same way in the same run.

    python bench/bench_startup.py [--messages 1000000] [--runs 7]

Three programs, each in a fresh process, in turns (so a busy moment of the machine hits all
three alike), after one unmeasured warm-up turn:

  bare     `python -c` a QMainWindow holding a QTabWidget with the app's six tab titles and
           empty pages, 1280×760: the floor any PySide6 window of this shape costs here
  app      `python -m loquent_desktop` on a LOQUENT_HOME whose SQLite database holds N
           messages (built once with SQL inserts, kept under $TMPDIR/loquent-bench-startup/),
           Twilio requests sent to a closed local port
  sandbox  `python -m loquent_desktop --sandbox` (the emulator is started and seeded, and the
           sandbox's fresh database migrated, after the window paints)

Each writes `first_paint <time.time()>` when its main window gets its first paint event (the
app through LOQUENT_STARTUP_PROBE, see ui/launcher.py; the bare window with the same event
filter) and the time is taken from just before the process is spawned. The app also writes
`ready` once its first data has loaded; that is reported too, with no target. The apps run
with `--screenshot` so they exit by themselves, cleanly, after loading.

Target: median app / median bare ≤ 2.0 (stretch 1.5). `figures(config)` is what
`bench/run.py` calls; run alone it prints the same table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import BenchConfig, Figure  # noqa: E402  (same folder)

TARGET_RATIO = 2.0
STRETCH_RATIO = 1.5
RUN_TIMEOUT_S = 180.0
# Nothing listens there: the non-sandbox app must not reach any real Twilio.
CLOSED_PORT_URL = "http://127.0.0.1:9"

_BARE_WINDOW = r"""
import json, os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            with open(os.environ["LOQUENT_STARTUP_PROBE"], "a", encoding="utf-8") as out:
                out.write(f"first_paint {time.time():.6f}\n")
            QApplication.instance().quit()
        return False

app = QApplication([sys.argv[0]])
window = QMainWindow()
tabs = QTabWidget()
tabs.setDocumentMode(True)
for title in json.loads(sys.argv[1]):
    tabs.addTab(QWidget(), title)
window.setCentralWidget(tabs)
window.resize(1280, 760)
probe = FirstPaint()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def _tab_titles() -> list[str]:
    from loquent_desktop.ui.main_window import TAB_TITLES

    return list(TAB_TITLES)


# -- the 1M-message database -----------------------------------------------------------------
_WORDS = (
    "invoice payment delivery tomorrow thanks confirm appointment order shipped call me back "
    "meeting reminder schedule receipt refund account update question sale ticket support "
    "today tonight weekend monday office address please yes no ok great"
)
WORDS = _WORDS.split()


def startup_home(messages: int) -> Path:
    """A LOQUENT_HOME whose database holds one organization with `messages` messages, at the
    newest schema. Built once per size and schema, then reused (building 1M takes minutes)."""
    from loquent_desktop.store.database import head_revision, open_database

    root = Path(tempfile.gettempdir()) / "loquent-bench-startup" / f"{messages}-{head_revision()}"
    database = root / "data" / "loquent.sqlite3"
    built = root / "built"
    if not built.exists():
        for path in root.glob("data/loquent.sqlite3*"):
            path.unlink()
        print(f"building a start-up database with {messages:,} messages in {root} ...")
        began = time.perf_counter()
        _fill(database, messages)
        print(f"  built in {time.perf_counter() - began:.0f} s")
        built.write_text(str(messages))
    else:
        open_database(f"sqlite:///{database}").dispose()  # at the newest revision already
    return root


def _fill(database: Path, messages: int) -> None:
    import random

    from sqlalchemy import insert

    from loquent_desktop.store.database import open_database
    from loquent_desktop.store.models import Message, Organization

    db = open_database(f"sqlite:///{database}")
    rng = random.Random(12)
    now = datetime.now(UTC)
    account = "AC" + "b" * 32
    try:
        with db.engine.begin() as connection:
            org_id = connection.execute(
                insert(Organization.__table__).values(
                    name="Bench Org", keychain_id=uuid.uuid4().hex, created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
        batch = 20_000
        for start in range(0, messages, batch):
            rows = []
            for i in range(start, min(start + batch, messages)):
                sent = now - timedelta(seconds=i * 30)
                outbound = i % 3 != 0
                ours, theirs = "+14155550100", f"+1415{5550000 + i % 9000:07d}"
                rows.append(
                    {
                        "organization_id": org_id,
                        "sid": f"SM{i:032x}",
                        "account_sid": account,
                        "from_number": ours if outbound else theirs,
                        "to_number": theirs if outbound else ours,
                        "body": " ".join(rng.choices(WORDS, k=8)),
                        "status": "delivered" if outbound else "received",
                        "direction": "outbound-api" if outbound else "inbound",
                        "num_segments": 1,
                        "num_media": 0,
                        "price": "-0.0079",
                        "price_unit": "USD",
                        "date_sent": sent,
                        "date_created": sent,
                        "date_updated": sent,
                        "source": "import",
                        "synced_at": now,
                    }
                )
            with db.engine.begin() as connection:
                connection.execute(insert(Message.__table__), rows)
    finally:
        db.dispose()


# -- one measured start ----------------------------------------------------------------------
def _start(command: list[str], env: dict[str, str], wait_ready: bool) -> tuple[float, float | None]:
    """Spawn `command`; seconds from just before the spawn to its first paint (and to
    `ready`, with `wait_ready`)."""
    probe = Path(tempfile.mkstemp(prefix="loquent-probe-", suffix=".txt")[1])
    env = {**env, "LOQUENT_STARTUP_PROBE": str(probe)}
    began = time.time()
    child = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        _, errors = child.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise RuntimeError(f"{command[1:3]} did not finish within {RUN_TIMEOUT_S:.0f} s") from None
    events: dict[str, float] = {}
    for line in probe.read_text(encoding="utf-8").splitlines():
        name, _, stamp = line.partition(" ")
        events.setdefault(name, float(stamp))
    probe.unlink()
    if "first_paint" not in events or (wait_ready and "ready" not in events):
        tail = "\n".join(errors.strip().splitlines()[-8:])
        raise RuntimeError(
            f"{' '.join(command[1:4])} never painted/loaded (exit {child.returncode}):\n{tail}"
        )
    ready = events.get("ready")
    return events["first_paint"] - began, None if ready is None else ready - began


def measure(messages: int, runs: int) -> dict[str, dict[str, list[float]]]:
    """{program: {"paint": [s, ...], "ready": [s, ...]}} over `runs` measured turns."""
    home = startup_home(messages)
    shots = Path(tempfile.mkdtemp(prefix="loquent-bench-shots-"))
    base_env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    base_env.pop("LOQUENT_DATABASE_URL", None)
    titles = json.dumps(_tab_titles())
    programs = {
        "bare": ([sys.executable, "-c", _BARE_WINDOW, titles], {}, False),
        "app": (
            [sys.executable, "-m", "loquent_desktop", "--twilio-base-url", CLOSED_PORT_URL,
             "--screenshot", str(shots / "app.png")],
            {"LOQUENT_HOME": str(home)},
            True,
        ),
        "sandbox": (
            [sys.executable, "-m", "loquent_desktop", "--sandbox",
             "--screenshot", str(shots / "sandbox.png")],
            {},  # a fresh LOQUENT_HOME per start, below
            True,
        ),
    }  # fmt: skip
    results: dict[str, dict[str, list[float]]] = {
        name: {"paint": [], "ready": []} for name in programs
    }
    try:
        for turn in range(runs + 1):  # turn 0 warms the file cache and is not counted
            for name, (command, extra, wait_ready) in programs.items():
                env = {**base_env, **extra}
                if name == "sandbox":
                    env["LOQUENT_HOME"] = str(shots / f"sandbox-home-{turn}")
                paint, ready = _start(command, env, wait_ready)
                if turn:
                    results[name]["paint"].append(paint)
                    if ready is not None:
                        results[name]["ready"].append(ready)
    finally:
        shutil.rmtree(shots, ignore_errors=True)
    return results


def figures(config: BenchConfig) -> list[Figure]:
    runs = 3 if config.quick else 7
    results = measure(config.messages, runs)
    bare = statistics.median(results["bare"]["paint"]) * 1000

    def ms(values: list[float]) -> str:
        return ", ".join(f"{v * 1000:.0f}" for v in values)

    out = []
    for name, title in (
        ("app", f"start-up to first window, {config.messages:,}-message database"),
        ("sandbox", "start-up to first window, --sandbox"),
    ):
        paint = results[name]["paint"]
        ready = statistics.median(results[name]["ready"]) * 1000
        out.append(
            Figure(
                name=title,
                value=statistics.median(paint) * 1000,
                unit="ms",
                target=TARGET_RATIO,
                comparison="ratio_max",
                baseline=bare,
                baseline_name="bare PySide6 window, same tabs",
                notes=f"median of {runs}; stretch {STRETCH_RATIO}x; first data loaded at "
                f"{ready:.0f} ms",
                extra={
                    "paint_ms": ms(paint),
                    "ready_ms": ms(results[name]["ready"]),
                    "bare_ms": ms(results["bare"]["paint"]),
                },
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="3 turns instead of 7")
    args = parser.parse_args(argv)
    from run import print_table  # same folder

    found = figures(BenchConfig(messages=args.messages, quick=args.quick))
    print_table(found)
    return 0 if all(f.passed for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
