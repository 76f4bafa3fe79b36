"""A hung test is stopped by the timeout and reported as a failure, also while it waits inside
the qasync loop (Qt's C++ event loop, where a bare SIGALRM handler would never run).

Each case runs pytest in a subprocess on a tiny generated test that blocks forever, with the
suite's own conftest and settings and a 2-second timeout, and must come back within a bound.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 2
# Python and Qt start-up plus the timeout, with room for a loaded machine; far below the
# suite's own timeout, so a broken mechanism fails here instead of hanging the suite.
BOUND_S = 60

BLOCKS_IN_QASYNC_LOOP = """
import asyncio


def test_waits_for_a_future_nobody_resolves(qloop):
    # Nothing is scheduled: Qt's loop sleeps in C++ until an event arrives.
    qloop.run_until_complete(asyncio.get_event_loop().create_future())
"""

BLOCKS_IN_A_TASK_STEP = """
import asyncio
import time


def test_spins_inside_a_task(qloop):
    async def spin():
        while True:  # Python code in a task step: asyncio would catch a raised timeout
            time.sleep(0.01)

    qloop.run_until_complete(spin())
"""

BLOCKS_IN_PLAIN_PYTHON = """
import threading


def test_waits_for_an_event_nobody_sets():
    threading.Event().wait()
"""


class HungTest(AssertionError):
    """The generated test was still running when the bound ran out."""


SUITE_FIXTURES = "from tests.conftest import qapp, qloop  # noqa: F401\n"


def run_hung_test(
    tmp_path: Path, source: str, fixtures: str = SUITE_FIXTURES, bound_s: float = BOUND_S
) -> tuple[subprocess.CompletedProcess[str], float]:
    test_file = tmp_path / "test_hung.py"
    test_file.write_text(source)
    # The suite's own fixtures, as a conftest (closer than pytest-qt, so its `qapp` wins).
    (tmp_path / "conftest.py").write_text(fixtures)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(test_file),
        "-c",
        str(REPO / "pyproject.toml"),  # the suite's settings (timeout method, Qt API)
        "--rootdir",
        str(tmp_path),
        f"--timeout={TIMEOUT_S}",
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=bound_s
        )
    except subprocess.TimeoutExpired as hung:
        output = (hung.stdout or b"")[-3000:]
        raise HungTest(f"the hung test was not stopped within {bound_s} s: {output!r}") from None
    return result, time.monotonic() - started


@pytest.mark.parametrize(
    "source",
    [BLOCKS_IN_QASYNC_LOOP, BLOCKS_IN_A_TASK_STEP, BLOCKS_IN_PLAIN_PYTHON],
    ids=["qasync-loop", "task-step", "plain-python"],
)
def test_a_hung_test_fails_with_a_timeout(tmp_path: Path, source: str) -> None:
    result, elapsed = run_hung_test(tmp_path, source)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]  # 1: tests failed (not crashed, not hung)
    assert f"Failed: Timeout (>{TIMEOUT_S:.1f}s" in output, output[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("1 failed in"), output[-3000:]  # and no teardown error
    assert elapsed < BOUND_S


def test_without_the_ticking_timer_a_qasync_hang_outlives_its_timeout(tmp_path: Path) -> None:
    """The control: with pytest-qt's plain QApplication nothing runs Python while the loop
    sleeps, so the 2-second timeout never fires. This is why the suite's `qapp` ticks."""
    only_the_loop = "from tests.conftest import qloop  # noqa: F401\n"
    with pytest.raises(HungTest):
        run_hung_test(tmp_path, BLOCKS_IN_QASYNC_LOOP, fixtures=only_the_loop, bound_s=12)
