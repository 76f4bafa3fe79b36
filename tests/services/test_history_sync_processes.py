"""Two app processes on one database sync the same organization: the first syncs, the second
is told the sync is running elsewhere (where and since when), and the counts are exact."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from loquent_desktop.domain.errors import RunningElsewhere
from tests.services.test_history_sync import (
    db_messages,
    emulator_messages,
    fast_retries,
    run,
    seed_messages,
)
from tests.services.test_numbers_service import connect_byo

MESSAGES = 20_000

CHILD = """
import asyncio, json, sys
from pathlib import Path
from loquent_desktop.app import StartOptions, start_app
from loquent_desktop.domain.errors import LoquentError
from loquent_desktop.paths import AppPaths
from loquent_desktop.secrets.store import SecretStore
from loquent_desktop.services.account_limits import LimitSettings
from loquent_desktop.settings import Settings

home, base_url, database_url, service, org_id = sys.argv[1:6]

async def main() -> None:
    paths = AppPaths.under(Path(home)).ensure()
    settings = Settings(twilio_base_url=base_url, database_url=database_url)
    context = await start_app(StartOptions(paths, settings, secrets=SecretStore(service)))
    # One request at a time: a run as long as before date ranges were read at once, so the
    # second process surely meets it.
    context.history.sync.limit_settings = LimitSettings(cap=1)
    try:
        summary = await context.history.sync.start(int(org_id), "messages")
        print(json.dumps({"new": summary.counts.new, "pages": summary.pages}))
    except LoquentError as err:
        print(json.dumps({"error": str(err), "kind": type(err).__name__}))
    finally:
        await context.aclose()

asyncio.run(main())
"""


def _spawn(tmp: Path, name: str, context: Any, sandbox: Any, org_id: int) -> Any:
    url = context.database.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp / name), sandbox.base_url, url,
         context.secrets.service, str(org_id)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _answer(process: Any) -> dict[str, Any]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.keychain
def test_the_second_process_is_told_and_counts_stay_exact(  # type: ignore[no-untyped-def]
    context, qloop, sandbox, keychain_kind, tmp_path
) -> None:
    if keychain_kind != "secret-service":
        pytest.skip("the child processes read the credentials from the OS keychain")
    fast_retries(context)
    org_id = connect_byo(context, qloop, sandbox)
    seed_messages(sandbox, MESSAGES)
    expected = emulator_messages(sandbox)
    sandbox.server.set_latency(0.02)  # a run long enough for the second one to meet it

    first = _spawn(tmp_path, "first", context, sandbox, org_id)
    deadline = time.monotonic() + 60
    while context.database.leases.get(f"sync:messages:{org_id}") is None:
        assert first.poll() is None, first.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the first process never started its sync"
        time.sleep(0.05)
    second = _spawn(tmp_path, "second", context, sandbox, org_id)
    told = _answer(second)
    # This process too: its Start is refused, and its status says where the sync runs.
    with pytest.raises(RunningElsewhere):
        run(qloop, context.history.sync.start(org_id, "messages"))
    status = run(qloop, context.history.sync.status(org_id, "messages"))
    synced = _answer(first)

    assert told["kind"] == "RunningElsewhere"
    assert "is already running on" in told["error"] and "process" in told["error"]
    assert status.running and not status.resumable and "running on" in status.text()
    # 20 pages' worth, read as date ranges (see history_ranges): a few partial pages more.
    assert synced["new"] == len(expected)
    assert -(-len(expected) // 1000) <= synced["pages"] <= -(-len(expected) // 1000) + 26
    assert db_messages(context, org_id) == expected
    assert context.database.leases.get(f"sync:messages:{org_id}") is None
    after = run(qloop, context.history.sync.status(org_id, "messages"))
    assert not after.running and after.elsewhere is None
