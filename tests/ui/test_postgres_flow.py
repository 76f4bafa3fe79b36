"""The team option: the whole app on a shared PostgreSQL database instead of SQLite, through
the real window and the emulator (connect, list, import, buy, journal)."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication

from loquent_desktop.domain.numbers import SearchQuery
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.main_window import MainWindow
from tests.conftest import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_window(qtbot, qloop, sandbox, app_paths, secret_store, postgres_url):  # type: ignore[no-untyped-def]
    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.settings import Settings
    from tests.conftest import no_wait_retries

    settings = Settings(
        database_url=postgres_url, twilio_base_url=sandbox.base_url, request_timeout_s=5
    )
    options = StartOptions(app_paths, settings, secrets=secret_store, retry=no_wait_retries())
    context = qloop.run_until_complete(start_app(options))
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    yield window
    qloop.run_until_complete(window.shutdown())
    qloop.run_until_complete(context.aclose())


def test_connect_import_buy_and_journal_on_postgres(pg_window, qloop, sandbox) -> None:
    window = pg_window
    context = window.context
    assert context.database.engine.dialect.name == "postgresql"

    async def scenario() -> None:
        org = await context.organizations.add("Team Org")
        await context.connection.connect(org.id, sandbox.demo_credentials)
        await window.load(org.id)
        assert "Connected" in window.credentials_tab.details.status.text()

        owned = await context.numbers.list_owned(org.id)
        result = await context.numbers.import_numbers(org.id, owned[:5])
        assert (result.imported, result.already_existed) == (5, 0)
        result = await context.numbers.import_numbers(org.id, owned[:7])
        assert (result.imported, result.already_existed) == (2, 5)

        found = await context.numbers.search(org.id, SearchQuery(country="US", area_code="415"))

        async def confirm_in_dialog() -> None:
            await wait_until(
                lambda: isinstance(QApplication.activeModalWidget(), ConfirmPlanDialog)
            )
            QApplication.activeModalWidget().confirm_button.click()

        async def confirm(plan):  # type: ignore[no-untyped-def]
            return await ConfirmPlanDialog.ask(window, plan, "Buy number")

        purchase, _ = await asyncio.gather(
            context.numbers.buy(org.id, found.numbers[0], confirm), confirm_in_dialog()
        )
        sids = await context.numbers.imported_sids(org.id)
        assert purchase.number.sid in sids and len(sids) == 8
        page = await context.journal.recent()
        assert [e.outcome for e in page.entries] == ["succeeded"]
        assert page.entries[0].result["number_sid"] == purchase.number.sid

    qloop.run_until_complete(scenario())
