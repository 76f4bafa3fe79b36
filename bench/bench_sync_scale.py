"""History sync at scale: the service's sync against the bare `twilio` library paging alone.

    .venv/bin/python bench/bench_sync_scale.py [--messages 1000000] [--calls 200000]
        [--latency-ms 100] [--latency-messages 20000] [--database-url URL] [--quick]

Starts the emulator in its own process (as Twilio is) with N messages and M calls, then,
each in a fresh process of its own so neither warms the other:

  baseline   the bare `twilio` library (its own async HTTP client) paging every message and
             every call, one page after the other, 1,000 a page: the floor of any sync
  sync       `HistorySyncService` (no window) syncing the same messages and calls into
             SQLite (and PostgreSQL when a URL is given): Start → summary, and the process's
             peak memory (ru_maxrss)

and again at a per-request latency (the emulator's global latency) with a smaller history,
the issue's row: 20,000 messages at 100 ms a request, against sequential paging at that
latency. The GUI stall during a window sync is bench_sync.py's measure (its GapMeter),
run in a process of its own. Prints the figures; `figures(config)` returns them for
`./dev.sh bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import BenchConfig, Figure  # noqa: E402  (same folder)

TARGET_RATIO = 1.3  # sync time / bare paging time, no added latency
TARGET_SPEEDUP = 5.0  # sequential bare paging / sync, at the added latency
TARGET_MEMORY_MB = 400.0
TARGET_STALL_MS = 50.0

_EMULATOR = """
import json, sys
from datetime import UTC, datetime
from loquent_desktop.sandbox import start_emulator
messages, calls, latency = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
with start_emulator(numbers=25, messages=messages, calls=calls, latency_s=latency,
                    history_end=datetime.now(UTC)) as s:
    account = s.seed.account_sid
    with s.state.lock:
        m = sum(1 for x in s.state.messages.values() if x.account_sid == account)
        c = sum(1 for x in s.state.calls.values()
                if x.account_sid == account and x.status == "completed")
    print(json.dumps([s.base_url, account, s.seed.auth_token, m, c]), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


@contextmanager
def emulator(messages: int, calls: int, latency_s: float = 0.0) -> Iterator[dict[str, Any]]:
    """The emulator in its own process (see bench_sync.emulator), with calls and latency."""
    child = subprocess.Popen(
        [sys.executable, "-c", _EMULATOR, str(messages), str(calls), str(latency_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        base_url, sid, token, m, c = json.loads(child.stdout.readline())
        yield {"base_url": base_url, "sid": sid, "token": token, "messages": m, "calls": c}
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=120)


# -- the two measured processes ----------------------------------------------------------


async def _bare_paging(server: dict[str, Any], calls: bool) -> dict[str, Any]:
    """Every message (and completed call) with the library alone, page after page."""
    from urllib.parse import urlsplit, urlunsplit

    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    target = urlsplit(server["base_url"])

    class ToEmulator(AsyncTwilioHttpClient):  # the library's own client, another host
        async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            parts = urlsplit(url)
            url = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
            return await super().request(method, url, *args, **kwargs)

    http = ToEmulator()
    client = Client(server["sid"], server["token"], http_client=http)
    account = client.api.v2010.accounts(server["sid"])
    records = 0
    began = time.perf_counter()
    lists: list[tuple[Any, dict[str, Any]]] = [(account.messages, {})]
    if calls:
        lists.append((account.calls, {"status": "completed"}))
    for resource_list, filters in lists:
        page = await resource_list.page_async(page_size=1000, **filters)
        while page is not None:
            records += sum(1 for _ in page.load_page(page._payload))
            page = await page.next_page_async()
    seconds = time.perf_counter() - began
    await http.close()
    return {"seconds": seconds, "records": records}


async def _service_sync(server: dict[str, Any], database_url: str | None, calls: bool) -> dict:
    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.domain.credentials import Credentials
    from loquent_desktop.paths import AppPaths
    from loquent_desktop.secrets.store import SecretStore
    from loquent_desktop.settings import Settings
    from tests.support.memory_keyring import MemoryKeyring

    home = Path(tempfile.mkdtemp(prefix="loquent-bench-scale-"))
    settings = replace(
        Settings(twilio_base_url=server["base_url"], request_timeout_s=120),
        database_url=database_url,
    )
    secrets = SecretStore("loquent-desktop-bench", backend=MemoryKeyring())
    context = await start_app(StartOptions(AppPaths.under(home), settings, secrets=secrets))
    try:
        org = await context.organizations.add(f"Bench Org {time.time_ns()}")
        await context.connection.connect(org.id, Credentials(server["sid"], server["token"]))
        began = time.perf_counter()
        summaries = [await context.history.sync.start(org.id, "messages")]
        if calls:
            summaries.append(await context.history.sync.start(org.id, "calls"))
        seconds = time.perf_counter() - began
        stored = await asyncio.to_thread(context.database.messages.count, org.id)
        stored_calls = await asyncio.to_thread(context.database.calls.count, org.id)
        return {
            "seconds": seconds,
            "messages": stored,
            "calls": stored_calls,
            "pages": sum(s.pages for s in summaries),
            "summary": " ".join(s.text() for s in summaries),
        }
    finally:
        await context.aclose()


def _child(argv: list[str]) -> int:
    """`--child baseline|sync SERVER_JSON [DATABASE_URL] [calls]`: measure, print JSON."""
    if argv[0] == "stall":
        print(json.dumps(_stall_child(int(argv[1]))), flush=True)
        os._exit(0)  # PySide6 may abort at interpreter exit after a qasync loop
    what, server = argv[0], json.loads(argv[1])
    database_url = argv[2] or None
    calls = argv[3] == "1"
    if what == "baseline":
        out = asyncio.run(_bare_paging(server, calls))
    else:
        out = asyncio.run(_service_sync(server, database_url, calls))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out), flush=True)
    return 0


def _measure(what: str, server: dict[str, Any], database_url: str | None, calls: bool) -> dict:
    args = [sys.executable, __file__, "--child", what, json.dumps(server), database_url or ""]
    done = subprocess.run([*args, "1" if calls else "0"], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stderr[-3000:]}")
    measured = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    # Each measurement as it ends: a full-size run takes long on a busy machine.
    print(
        f"[{what}{' calls' if calls else ''}] {json.dumps(measured)}", file=sys.stderr, flush=True
    )
    return measured


# -- figures -----------------------------------------------------------------------------


def _databases(config: BenchConfig) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for url in config.database_urls:
        if url == "sqlite":
            found.append(("SQLite", None))
        elif url.startswith("postgresql"):
            found.append(("PostgreSQL", url))
    return found or [("SQLite", None)]


def figures(config: BenchConfig) -> list[Figure]:
    messages, calls = (20_000, 4_000) if config.quick else (config.messages, config.calls)
    slow_messages = 5_000 if config.quick else 20_000
    out: list[Figure] = []
    with emulator(messages, calls) as server:
        base = _measure("baseline", server, None, calls=True)
        for name, url in _databases(config):
            synced = _measure("sync", server, url, calls=True)
            if (synced["messages"], synced["calls"]) != (server["messages"], server["calls"]):
                raise RuntimeError(f"{name}: stored {synced}, emulator {server}")
            size = f"{server['messages']:,} messages + {server['calls']:,} calls"
            out.append(Figure(
                f"history sync, no added latency ({name})", synced["seconds"], "s",
                TARGET_RATIO, "ratio_max", base["seconds"], "bare twilio paging",
                notes=size, extra={"pages": synced["pages"], "summary": synced["summary"]},
            ))  # fmt: skip
            out.append(Figure(
                f"history sync peak memory ({name})", synced["peak_mb"], "MB",
                TARGET_MEMORY_MB, "value_max", notes=f"ru_maxrss of the syncing process; {size}",
            ))  # fmt: skip
    latency = config.latency_ms / 1000
    with emulator(slow_messages, 0, latency) as server:
        base = _measure("baseline", server, None, calls=False)
        for name, url in _databases(config):
            synced = _measure("sync", server, url, calls=False)
            out.append(Figure(
                f"history sync at {config.latency_ms:g} ms a request ({name})",
                synced["seconds"], "s", TARGET_SPEEDUP, "ratio_min", base["seconds"],
                "sequential bare twilio paging",
                notes=f"{server['messages']:,} messages", extra={"pages": synced["pages"]},
            ))  # fmt: skip
    out.append(_stall(20_000 if config.quick else 100_000))
    return out


async def _window_sync(server: tuple[str, str, str, int]) -> dict[str, float]:
    """Start clicked in the real window (offscreen) → summary, with bench_sync's GapMeter
    on the GUI thread: its `sync_widgets` and `timed_sync`, only the sync part."""
    import bench_sync

    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.domain.credentials import Credentials
    from loquent_desktop.paths import AppPaths
    from loquent_desktop.secrets.store import SecretStore
    from loquent_desktop.settings import Settings
    from loquent_desktop.ui.launcher import settle_garbage_collector
    from loquent_desktop.ui.main_window import MainWindow
    from tests.support.memory_keyring import MemoryKeyring

    base_url, sid, token, _total = server
    home = Path(tempfile.mkdtemp(prefix="loquent-bench-scale-"))
    settings = Settings(twilio_base_url=base_url, request_timeout_s=120)
    secrets = SecretStore("loquent-desktop-bench", backend=MemoryKeyring())
    context = await start_app(StartOptions(AppPaths.under(home), settings, secrets=secrets))
    window = MainWindow(context)
    window.show()
    try:
        org = await context.organizations.add(f"Bench Org {time.time_ns()}")
        await context.connection.connect(org.id, Credentials(sid, token))
        await window.load(org.id)
        view, browser = bench_sync.sync_widgets(window, context)
        await view.load(org.id)
        await browser.load(org.id)
        await window.tasks.wait_idle()
        settle_garbage_collector()
        await asyncio.sleep(0)
        meter = bench_sync.GapMeter()
        seconds, stall, p99 = await bench_sync.timed_sync(view, meter, False, "message sync")
        return {"total_s": seconds, "stall_ms": stall, "p99_ms": p99}
    finally:
        await window.shutdown()
        window.close()
        window.deleteLater()
        await context.aclose()


def _stall_child(messages: int) -> dict[str, float]:
    import bench_sync
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    with bench_sync.emulator(messages) as server:
        return dict(loop.run_until_complete(_window_sync(server)))


def _stall(messages: int) -> Figure:
    """The longest GUI-thread stall while the window syncs, in a process of its own."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", "stall", str(messages)],
        capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"window sync failed:\n{done.stderr[-3000:]}")
    f = json.loads(done.stdout.strip().splitlines()[-1])
    return Figure(
        "GUI stall during a window sync", f["stall_ms"], "ms", TARGET_STALL_MS, "value_max",
        notes=f"{messages:,} messages, longest gap of a 10 ms timer (p99 {f['p99_ms']:.0f} ms, "
        f"sync {f['total_s']:.1f} s)",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--database-url", help="also measure PostgreSQL (postgresql+psycopg://…)")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args(argv)
    urls = ("sqlite",) + ((args.database_url,) if args.database_url else ())
    config = BenchConfig(
        messages=args.messages, calls=args.calls, latency_ms=args.latency_ms,
        database_urls=urls, quick=args.quick,
    )  # fmt: skip
    results = figures(config)
    for f in results:
        ratio = "" if f.ratio is None else f"  ratio {f.ratio:.2f}"
        against = "" if f.baseline is None else f" vs {f.baseline:.2f} {f.unit} {f.baseline_name}"
        print(
            f"{'PASS' if f.passed else 'FAIL'}  {f.name}: {f.value:.2f} {f.unit}{against}"
            f"{ratio} (target {f.comparison} {f.target:g})  {f.notes}"
        )
    return 0 if all(f.passed for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
