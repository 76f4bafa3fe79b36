"""A history sync run in a child process that a test can SIGKILL at any moment.

Started through a forkserver that has already imported the app, so a trial costs the sync,
not Python's start-up: crash tests can afford twenty of them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from loquent_desktop.app import StartOptions, start_app
from loquent_desktop.paths import AppPaths
from loquent_desktop.secrets.store import SecretStore
from loquent_desktop.settings import Settings


def sync_until_killed(
    home: str, base_url: str, database_url: str, service: str, org_id: int, kind: str, started: Any
) -> None:
    """Start (or resume) a sync of `kind`; `started` (an Event) is set once the app is built."""

    async def main() -> None:
        paths = AppPaths.under(Path(home)).ensure()
        settings = Settings(twilio_base_url=base_url, database_url=database_url)
        context = await start_app(StartOptions(paths, settings, secrets=SecretStore(service)))
        started.set()
        try:
            status = await context.history.sync.status(org_id, kind)
            if status.resumable:
                await context.history.sync.resume(org_id, kind)
            else:
                await context.history.sync.start(org_id, kind)
        finally:
            await context.aclose()

    asyncio.run(main())
