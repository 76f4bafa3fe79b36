"""History browser at a million messages: filters, sort, text search and paging through the
real Sync-tab table.

    .venv/bin/python bench/bench_browser.py [--messages 1000000] [--database-url URL]
        [--quick]

For each database (a SQLite file, and PostgreSQL when a URL is given), in a process of its
own: stores N messages over two years with realistic bodies straight through the store's engine
(plain INSERTs, so the search index's triggers run as they do under a sync; the per-day
counts of migration 0009 are then made as its upgrade makes them), newest first as a sync
writes them; about 5.5% hold the word "invoice" (some as "Invoice," or "INVOICE", next to
decoys such as "invoices" and "reinvoiced" that must not match). Then builds the real
`HistoryTable` (messages) offscreen on a qasync loop over `HistoryBrowseService` and measures
what a user waits for, from the change to the table showing the first page and its exact
count (`table.total`):

  first page     the table opened for the organization
  filters/sort   direction, status, date range, oldest first, and combinations (worst)
  text search    words, a number however typed, a prefix, with filters (worst); the search
                 box's 200 ms typing pause is not counted
                 (each step: the median of ROUNDS runs of the whole sequence, each round
                 from no filters with the memo of match counts cleared, so a search is
                 read as a first search is; every sample is in the JSON)
  scroll         the next page when the view reaches the end (worst of five)
  completeness   every message the search finds against a full scan of the bodies in
                 Python: the figure fails unless both hold exactly the same messages
  insert cost    what the search index adds to each stored row, for the sync's writer: the
                 same 20,000-row insert with and without it (dropped in a rolled-back
                 transaction), at N rows
  count upkeep   what keeping the per-day counts adds to each stored row (one statement a
                 page, rolled back), against the same plain insert

Prints the figures; `figures(config)` returns them for `./dev.sh bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser_writes import count_upkeep, insert_cost  # noqa: E402
from bench.figures import BenchConfig, Figure  # noqa: E402

TARGET_MS = 100.0
ROUNDS = 3  # each filter and search step's figure: the median of this many rounds
WORD = "invoice"
WORD_SHARE = 0.055
INSERT_SAMPLE = 20_000
UPKEEP_SHARE = 0.1  # the counts may add a tenth of what storing a message costs
_WORD_RE = re.compile(r"[^\W_]+")
FILLER = (  # noqa: SIM905  (a sentence reads better than a list of 60 words)
    "hi thanks for your order it shipped today and should arrive tomorrow please confirm the "
    "appointment at 3pm reply stop to opt out your verification code is see you soon can we "
    "move the meeting to friday running late call me back when free the payment went through "
    "great news the package was delivered let me know if you have questions"
).split()
DECOYS = ("invoices", "reinvoiced", "invoiced", "invoicing")
HITS = ("invoice", "Invoice,", "INVOICE", "invoice.", "(invoice)", "invoice#4411")


def _body(rng: random.Random, hit: bool) -> str:
    words = rng.choices(FILLER, k=rng.randint(5, 22))
    if rng.random() < 0.03:
        words.insert(rng.randrange(len(words)), rng.choice(DECOYS))
    if rng.random() < 0.1:
        words.append(str(rng.randint(100000, 999999)))  # a code
    if hit:
        words.insert(rng.randrange(len(words) + 1), rng.choice(HITS))
    return " ".join(words)


def _rows(
    org_id: int, count: int, start: int, end: datetime, rng: random.Random, total: int
) -> list[dict]:
    """Rows `start` to `start + count` of `total` spread over two years, newest first."""
    own = [f"+1415555{n:04d}" for n in range(20)]
    step = timedelta(days=730) / max(total, 1)
    rows = []
    for i in range(start, start + count):
        inbound = rng.random() < 0.45
        when = end - step * i  # newest first, as a sync stores them
        contact = f"+1{rng.randint(200, 999)}555{rng.randint(0, 9999):04d}"
        mine = rng.choice(own)
        status = "received" if inbound else rng.choices(
            ("delivered", "sent", "failed", "undelivered"), (85, 6, 5, 4))[0]  # fmt: skip
        rows.append({
            "organization_id": org_id, "sid": f"SM{i:032x}", "account_sid": "AC" + "0" * 32,
            "from_number": contact if inbound else mine, "to_number": mine if inbound else contact,
            "body": _body(rng, rng.random() < WORD_SHARE), "status": status,
            "direction": "inbound" if inbound else rng.choice(("outbound-api", "outbound-reply")),
            "num_segments": 1, "num_media": 0, "price": "-0.0079", "price_unit": "USD",
            "date_sent": when, "date_created": when, "date_updated": when,
            "source": "import", "synced_at": end,
        })  # fmt: skip
    return rows


def _has_word(body: str | None) -> bool:
    return WORD in (w.lower() for w in _WORD_RE.findall(body or ""))


def _fill(db: Any, org_id: int, messages: int, end: datetime) -> float:
    from sqlalchemy import insert

    from loquent_desktop.store.models import Message

    rng = random.Random(12)
    started = time.perf_counter()
    for start in range(0, messages, 10_000):
        with db.engine.begin() as conn:
            conn.execute(
                insert(Message),
                _rows(org_id, min(10_000, messages - start), start, end, rng, messages),
            )
    return time.perf_counter() - started


async def _answer(table: Any, change: Any) -> tuple[float, float]:
    """Milliseconds from a change to the table showing its first page, and to the end of
    the read (its exact count shown). The change is made with the filter widgets' signals
    held, then read once, as one click or the end of a typing pause reads once."""
    import asyncio

    from PySide6.QtWidgets import QApplication

    widgets = (table.search, table.direction, table.status, table.from_check, table.to_check,
               table.from_date, table.to_date)  # fmt: skip
    for widget in widgets:
        widget.blockSignals(True)
    try:
        change()
    finally:
        for widget in widgets:
            widget.blockSignals(False)
    shown: list[float] = []

    def reset() -> None:
        shown.append(time.perf_counter())

    table.model.modelReset.connect(reset)
    started = time.perf_counter()
    table.reload()
    task = table._task
    await asyncio.wait({task}, timeout=120)
    QApplication.processEvents()  # painted
    done = time.perf_counter()
    table.model.modelReset.disconnect(reset)
    if not task.done() or task.exception() is not None:
        raise RuntimeError(f"the table did not answer: {task}")
    return (shown[0] - started) * 1000, (done - started) * 1000


async def _browse(db: Any, org_id: int, end: datetime) -> dict[str, Any]:
    import asyncio

    from PySide6.QtWidgets import QApplication

    from loquent_desktop.services.history_browse import HistoryBrowseService
    from loquent_desktop.ui.async_tasks import TaskRunner
    from loquent_desktop.ui.history_table import HistoryTable

    service = HistoryBrowseService(db.messages, db.calls, db.contacts, db.recordings)
    table = HistoryTable("messages", service, TaskRunner())
    table.resize(1400, 900)
    table.show()
    shown: list[float] = []
    table.model.modelReset.connect(lambda: shown.append(time.perf_counter()))
    started = time.perf_counter()
    await table.load(org_id)
    QApplication.processEvents()
    loaded_ms = (time.perf_counter() - started) * 1000
    opened_ms = (shown[-1] - started) * 1000
    started = time.perf_counter()
    await service.statuses(org_id, "messages")
    statuses_ms = (time.perf_counter() - started) * 1000

    def combo(widget: Any, value: Any) -> Any:
        return lambda: widget.setCurrentIndex(widget.findData(value))

    def days(first: int, last: int) -> Any:
        def change() -> None:
            table.from_date.setDate((end - timedelta(days=first)).date())
            table.to_date.setDate((end - timedelta(days=last)).date())
            table.from_check.setChecked(True)
            table.to_check.setChecked(True)

        return change

    def dates_off() -> None:
        table.from_check.setChecked(False)
        table.to_check.setChecked(False)

    def order(oldest: bool) -> Any:
        # What a click on the time column's header sets before the table reads again.
        return lambda: setattr(table.model, "oldest_first", oldest)

    def search(text: str) -> Any:
        return lambda: table.search.setText(text)

    steps: list[tuple[str, str, Any]] = [
        ("filter", "inbound", combo(table.direction, "inbound")),
        ("filter", "inbound + received", combo(table.status, "received")),
        ("filter", "outbound + failed", lambda: (combo(table.direction, "outbound")(),
                                                 combo(table.status, "failed")())),
        ("filter", "outbound + failed, oldest first", order(True)),
        ("filter", "all, oldest first", lambda: (combo(table.direction, None)(),
                                                 combo(table.status, None)())),
        ("filter", "newest first", order(False)),
        ("filter", "last 30 days", days(30, 0)),
        ("filter", "one day a year ago", days(365, 365)),
        ("filter", "a year ago, undelivered", combo(table.status, "undelivered")),
        ("filter", "no filters", lambda: (dates_off(), combo(table.status, None)())),
        ("search", f"“{WORD}”", search(WORD)),
        ("search", f"“{WORD}” + failed", combo(table.status, "failed")),
        ("search", f"“{WORD}”, oldest first", lambda: (combo(table.status, None)(), order(True)())),
        ("search", "“invoic*” (prefix)", lambda: (order(False)(), search("invoic*")())),
        ("search", "“(415) 555-0013” (a number)", search("(415) 555-0013")),
        ("search", "“thanks” (in most messages)", search("thanks")),
        ("search", "“reinvoiced” (rare)", search("reinvoiced")),
        ("search", f"“{WORD} thanks” + inbound", lambda: (search(f"{WORD} thanks")(),
                                                         combo(table.direction, "inbound")())),
    ]  # fmt: skip

    def start_over() -> None:  # no filters, newest first: where the steps begin
        search("")()
        combo(table.direction, None)()
        combo(table.status, None)()
        dates_off()
        order(False)()

    # The whole sequence ROUNDS times, each step's median: one sample a step made a figure
    # of a noisy machine's worst moment. Each round starts over with the repository's
    # memo of match counts cleared, so every search is read as a first search is.
    samples: dict[str, list[tuple[float, float, int]]] = {}
    for _round in range(ROUNDS):
        await _answer(table, start_over)
        for repository in (db.messages, db.calls):
            repository.browse._many.clear()
        for _group, name, change in steps:
            page_ms, answer_ms = await _answer(table, change)
            samples.setdefault(name, []).append((page_ms, answer_ms, table.total))
    timings: list[dict[str, Any]] = []
    for group, name, _change in steps:
        taken = samples[name]
        assert len({total for *_, total in taken}) == 1, f"{name}: counts differ {taken}"
        timings.append({
            "group": group, "name": name, "page_ms": statistics.median(p for p, *_ in taken),
            "answer_ms": statistics.median(a for _, a, _ in taken), "count": taken[0][2],
            "answer_samples_ms": [round(a, 1) for _, a, _ in taken],
        })  # fmt: skip

    # Scrolling: the next pages of the word's matches, as the view asks for them.
    await _answer(table, lambda: (combo(table.direction, None)(), search(WORD)()))
    # Woken by the model's own signal: polling the loop every 0.5 ms took the GIL from the
    # thread reading the page and tripled the time measured.
    scrolls = []
    for _ in range(5):
        arrived = asyncio.get_running_loop().create_future()

        def landed(*_args: Any, arrived: Any = arrived) -> None:
            if not arrived.done():
                arrived.set_result(None)

        table.model.rowsInserted.connect(landed)
        started = time.perf_counter()
        table.table.scrollToBottom()
        await asyncio.wait_for(arrived, 60)
        QApplication.processEvents()
        scrolls.append((time.perf_counter() - started) * 1000)
        table.model.rowsInserted.disconnect(landed)
    found_total = table.total
    found = {m.sid for m in service._every_match(org_id, "messages", table._query)}
    table.close()
    return {"opened_ms": opened_ms, "loaded_ms": loaded_ms, "statuses_ms": statuses_ms,
            "timings": timings,
            "scroll_ms": scrolls, "found_total": found_total, "found": sorted(found)}  # fmt: skip


def _full_scan(db: Any, org_id: int) -> set[str]:
    from sqlalchemy import select

    from loquent_desktop.store.models import Message

    t = Message.__table__
    statement = select(t.c.sid, t.c.body).where(t.c.organization_id == org_id)
    with db.engine.connect() as conn:
        result = conn.execution_options(yield_per=20_000).execute(statement)
        return {sid for sid, body in result if _has_word(body)}


def _child(url: str, messages: int) -> dict[str, Any]:
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    from loquent_desktop.store import open_database
    from loquent_desktop.store.models import Message
    from loquent_desktop.store.repositories.history_counts import recount

    db = open_database(url)
    try:
        org = db.organizations.add(f"Browser bench {time.time_ns()}")
        end = datetime.now(UTC).replace(microsecond=0)
        fill_s = _fill(db, org.id, messages, end)
        with db.sessions() as session:  # rows stored by plain INSERTs: counted as 0009 does
            recount(session, Message.__table__, org.id)
            session.commit()
        sample = _rows(org.id, INSERT_SAMPLE, messages + 1, end, random.Random(7), messages)
        cost = insert_cost(db, sample)
        cost.update(count_upkeep(db, org.id, sample, end))
        if not db.is_sqlite:
            # As autovacuum leaves a loaded table; after the insert cost's rolled back rows,
            # whose dead index entries would otherwise slow the first oldest-first page.
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE message"
                )
        app = QApplication.instance() or QApplication([])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            result = loop.run_until_complete(_browse(db, org.id, end))
        expected = _full_scan(db, org.id)
        found = set(result.pop("found"))
        result.update(
            fill_s=fill_s, expected=len(expected), found_count=len(found),
            missing=len(expected - found), extra=len(found - expected), **cost,
        )  # fmt: skip
        db.organizations.remove(org.id)
        return result
    finally:
        db.dispose()


def _measure(url: str, messages: int) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("LOQUENT_HOME", tempfile.mkdtemp(prefix="loquent-bench-home-"))
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(messages)],
        capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"browser bench failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _databases(config: BenchConfig) -> list[tuple[str, str]]:
    found = []
    for url in config.database_urls:
        if url == "sqlite" or url.startswith("sqlite"):
            path = Path(tempfile.mkdtemp(prefix="loquent-bench-browser-")) / "bench.sqlite3"
            found.append(("SQLite", url if url != "sqlite" else f"sqlite:///{path.as_posix()}"))
        elif url.startswith("postgres"):
            found.append(("PostgreSQL", url))
    return found


def _worst(timings: list[dict[str, Any]], group: str) -> dict[str, Any]:
    return max((t for t in timings if t["group"] == group), key=lambda t: t["answer_ms"])


def figures(config: BenchConfig) -> list[Figure]:
    messages = config.messages  # (--quick makes it small)
    out: list[Figure] = []
    for name, url in _databases(config):
        try:
            r = _measure(url, messages)
        finally:
            if url.startswith("sqlite:///") and "loquent-bench-browser-" in url:
                shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
        size = f"{messages:,} messages"
        table = {t["name"]: round(t["answer_ms"], 1) for t in r["timings"]}
        pages = {t["name"]: round(t["page_ms"], 1) for t in r["timings"]}
        out.append(Figure(
            f"history browser first page ({name})", r["opened_ms"], "ms", TARGET_MS, "value_max",
            notes=f"{size}; the table opened until its first page is shown (with its exact "
            f"count and the statuses present for the filter: {r['loaded_ms']:.0f} ms; the "
            f"statuses alone {r['statuses_ms']:.0f} ms)",
        ))  # fmt: skip
        for group, label in (("filter", "filter change or sort"), ("search", "text search")):
            worst = _worst(r["timings"], group)
            out.append(Figure(
                f"history browser {label}, worst ({name})", worst["answer_ms"], "ms", TARGET_MS,
                "value_max", notes=f"{size}; worst step's median of {ROUNDS} rounds: "
                f"{worst['name']} (first page {worst['page_ms']:.0f} ms, then its exact count; "
                f"rounds {', '.join(f'{a:.0f}' for a in worst['answer_samples_ms'])} ms)",
                extra={"answer_ms": table, "first_page_ms": pages,
                       "answer_samples_ms": {t["name"]: t["answer_samples_ms"]
                                             for t in r["timings"]}},
            ))  # fmt: skip
        out.append(Figure(
            f"history browser next page on scroll, worst ({name})", max(r["scroll_ms"]), "ms",
            TARGET_MS, "value_max", notes=f"{size}; five pages of “{WORD}” matches",
            extra={"scroll_ms": [round(s, 1) for s in r["scroll_ms"]]},
        ))  # fmt: skip
        wrong = r["missing"] + r["extra"] + abs(r["found_total"] - r["expected"])
        out.append(Figure(
            f"history search finds every “{WORD}” ({name})", wrong, "messages wrong", 0,
            "value_max", baseline=r["expected"], baseline_name="full scan of every body",
            notes=f"found {r['found_count']:,} (count shown {r['found_total']:,}) of "
            f"{r['expected']:,} by full scan; {r['missing']} missed, {r['extra']} extra",
        ))  # fmt: skip
        out.append(Figure(
            f"search index cost per stored message ({name})", r["with_us"], "µs", 2.0,
            "ratio_max", baseline=r["without_us"], baseline_name="the same insert without it",
            notes=f"{INSERT_SAMPLE:,} rows inserted at {size}; bench fill took {r['fill_s']:.0f} s",
        ))  # fmt: skip
        out.append(Figure(
            f"history count upkeep per stored message ({name})", r["upkeep_new_us"], "µs",
            UPKEEP_SHARE, "ratio_max", baseline=r["without_us"],
            baseline_name="the insert without the search index",
            notes=f"the per-day counts' one statement a page of 1,000 (`track_page`), new rows; "
            f"rows met again with a new status: {r['upkeep_changed_us']:.2f} µs",
        ))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(_child(argv[1], int(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="also measure PostgreSQL (postgresql+psycopg://…)")
    parser.add_argument("--quick", action="store_true", help="50,000 messages, a smoke run")
    args = parser.parse_args(argv)
    urls = ("sqlite",) + ((args.database_url,) if args.database_url else ())
    messages = 50_000 if args.quick else args.messages
    config = BenchConfig(messages=messages, database_urls=urls, quick=args.quick)
    results = figures(config)
    for f in results:
        ratio = "" if f.ratio is None else f"  ratio {f.ratio:.2f}"
        against = "" if f.baseline is None else f" vs {f.baseline:.2f} {f.baseline_name}"
        print(
            f"{'PASS' if f.passed else 'FAIL'}  {f.name}: {f.value:.1f} {f.unit}{against}"
            f"{ratio} (target {f.comparison} {f.target:g})  {f.notes}"
        )
        if "answer_ms" in f.extra:
            for step, ms in f.extra["answer_ms"].items():
                print(
                    f"        {ms:7.1f} ms  {step} (first page {f.extra['first_page_ms'][step]} ms)"
                )
    return 0 if all(f.passed for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
