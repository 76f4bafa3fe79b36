"""The Numbers tab as the sandbox shows it: `--tab numbers --screenshot` works end to end, and
the first screen of the owned table already shows the different kinds of "who answers"
(the point of the tab: a trunk or TwiML app wins over a number's Voice URL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from loquent_desktop.domain.voice_route import RouteKind
from loquent_desktop.services.sandbox_session import prepare_sandbox_organizations
from tests.conftest import REAL_KEYCHAIN, wait_until


@pytest.mark.keychain
@pytest.mark.skipif(not REAL_KEYCHAIN, reason="needs a real Secret Service keychain")
def test_sandbox_numbers_screenshot_exits_0_with_a_png(tmp_path: Path) -> None:
    png = tmp_path / "numbers.png"
    env = dict(os.environ, LOQUENT_HOME=str(tmp_path / "home"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    command = ["-m", "loquent_desktop", "--sandbox", "--tab", "numbers", "--screenshot"]
    result = subprocess.run(
        [sys.executable, *command, str(png)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Saved {png}" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(png))
    assert image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(60, 400, 9)}
    assert len(colours) > 5  # a painted table, not a blank grab
    assert "Traceback" not in result.stderr


def test_first_screen_of_the_sandbox_table_shows_three_kinds_of_answer(
    window, qloop, context, sandbox
) -> None:
    byo = qloop.run_until_complete(prepare_sandbox_organizations(context, sandbox))
    qloop.run_until_complete(window.load(byo))
    window.select_tab("numbers")
    view = window.numbers_tab.owned
    qloop.run_until_complete(wait_until(lambda: view._load_task is None and not view.stale))
    QApplication.processEvents()

    table = view.table
    first = table.rowAt(0)
    last = table.rowAt(table.viewport().height() - 1)
    last = view.model.rowCount() - 1 if last < 0 else last
    assert first == 0 and last >= 10  # the window shows a useful screenful
    visible = [view.model.item_at(row) for row in range(first, last + 1)]
    kinds = {view.model.route(n).kind for n in visible}

    assert {RouteKind.TRUNK, RouteKind.APP, RouteKind.URL} <= kinds
    texts = {view.model.data(view.model.index(row, 1)) for row in range(first, last + 1)}
    assert f"SIP trunk TK…{sandbox.seed.trunk_sid[-4:]}" in texts
    assert f"TwiML app AP…{sandbox.seed.application_sid[-4:]}" in texts
    assert any(t.startswith("https://") for t in texts)
