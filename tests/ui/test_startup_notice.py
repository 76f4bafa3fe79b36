"""While start-up takes long (a database being upgraded), every tab says why it is still empty
and the busy indicators run (ui/widgets.PendingPage, MainWindow.show_starting); the built
pages replace the notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from loquent_desktop.app import StartOptions
from loquent_desktop.paths import AppPaths
from loquent_desktop.settings import Settings
from loquent_desktop.ui import launcher
from loquent_desktop.ui.main_window import MainWindow
from loquent_desktop.ui.widgets import PendingPage


def pending_notice(window: MainWindow, index: int) -> str | None:
    """The notice the tab at `index` shows, None if it shows its built page."""
    window.tabs.setCurrentIndex(index)
    page = window.tabs.widget(index)  # what the tab holds (inside its scroll area)
    if not isinstance(page, PendingPage):
        return None
    message = page.message
    return message.text() if message.isVisible() and page.busy.isVisible() else ""


def test_every_tab_says_why_it_is_empty_until_its_page_is_built(qtbot, qloop, context) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(sandbox=True)
    qtbot.addWidget(window)
    window.show()
    tabs = range(window.tabs.count())
    assert [pending_notice(window, i) for i in tabs] == [""] * len(tabs)  # a plain start
    assert not window.busy_bar.isVisible()

    window.show_starting(launcher.UPGRADING)
    assert [pending_notice(window, i) for i in tabs] == [launcher.UPGRADING] * len(tabs)
    assert window.busy_bar.isVisible()
    assert window.statusBar().currentMessage() == launcher.UPGRADING

    window.tabs.setCurrentIndex(0)  # (a later tab would start loading as it is built)
    window.attach(context)
    assert [pending_notice(window, i) for i in tabs] == [None] * len(tabs)
    assert window.findChildren(PendingPage) == []
    qloop.run_until_complete(window.tasks.wait_idle())  # what the built tabs started
    assert not window.busy_bar.isVisible()  # the notice's indicator does not linger
    window.show_starting("late")  # a notice after the pages are built changes nothing
    assert window.statusBar().currentMessage() != "late"
    qloop.run_until_complete(window.shutdown())


def test_the_launcher_shows_the_notice_while_it_upgrades_the_database(
    qloop, tmp_path: Path, secret_store, sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from loquent_desktop.store.database import create_database_engine, upgrade

    paths = AppPaths.under(tmp_path)
    settings = Settings(twilio_base_url=sandbox.base_url)
    engine = create_database_engine(settings.effective_database_url(paths.ensure()))
    try:
        upgrade(engine, "0009")  # as the previous release left it
    finally:
        engine.dispose()
    shown: list[list[str | None]] = []
    original = MainWindow.show_starting

    def show_starting(window: MainWindow, text: str) -> None:
        original(window, text)
        shown.append([pending_notice(window, i) for i in range(window.tabs.count())])

    monkeypatch.setattr(MainWindow, "show_starting", show_starting)
    options = StartOptions(paths, settings, secrets=secret_store)
    code = qloop.run_until_complete(launcher.run(options, screenshot=tmp_path / "window.png"))
    assert code == 0 and (tmp_path / "window.png").stat().st_size > 0
    assert len(shown) == 1 and set(shown[0]) == {launcher.UPGRADING}
