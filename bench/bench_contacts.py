"""The Sync tab's Contacts page at a million messages: how long the contacts' counts, first
and last contact times and numbers take to read (`ContactsService.summaries`, which runs on
a worker thread while the window stays responsive).

    .venv/bin/python bench/bench_contacts.py [--messages 1000000] [--calls 200000]
        [--contacts 50000] [--database-url URL]

Stores N messages and M calls between 20 of the organization's numbers and K contacts
straight through the store's engine (newest first, as a sync writes them), records the
contacts as a sync would (`ContactRepository.touch`), then reads the summaries three times
and prints the median, and the same read with the counts checked against a count in Python.
Target: 3 s at 1M messages on this kind of machine (2 cores), SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 3.0
OWN = [f"+1415555{n:04d}" for n in range(20)]
BODY = "Your appointment is confirmed for tomorrow at 10:00. Reply C to cancel."


def _rows(kind: str, org_id: int, count: int, start: int, contacts: list[str], end: datetime,
          rng: random.Random) -> list[dict[str, Any]]:  # fmt: skip
    step = timedelta(days=730) / max(count, 1)
    rows = []
    for i in range(start, start + count):
        inbound = rng.random() < 0.45
        when = end - step * i
        # Half the traffic with a few regulars, half spread over everyone.
        if rng.random() < 0.5:
            contact = contacts[min(int(rng.paretovariate(1.2)) - 1, len(contacts) - 1)]
        else:
            contact = rng.choice(contacts)
        mine = rng.choice(OWN)
        row: dict[str, Any] = {
            "organization_id": org_id, "account_sid": "AC" + "0" * 32,
            "from_number": contact if inbound else mine, "to_number": mine if inbound else contact,
            "date_created": when, "date_updated": when, "source": "import", "synced_at": end,
        }  # fmt: skip
        out = "outbound-api" if kind == "messages" else "outbound-dial"
        row["direction"] = "inbound" if inbound else out
        if kind == "messages":
            row |= {"sid": f"SM{i:032x}", "body": BODY, "status": "delivered", "date_sent": when}
        else:
            row |= {"sid": f"CA{i:032x}", "status": "completed", "duration": 60,
                    "start_time": when}  # fmt: skip
        rows.append(row)
    return rows


def fill(db: Any, org_id: int, messages: int, calls: int, contacts: int) -> Counter[str]:
    from sqlalchemy import insert

    from loquent_desktop.store.models import Call, Message

    rng = random.Random(5)
    people = [f"+1{rng.randint(200, 999)}555{n:04d}" for n in range(contacts)]
    rng.shuffle(people)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    seen: Counter[str] = Counter()
    latest: dict[str, datetime] = {}
    for kind, model, total in (("messages", Message, messages), ("calls", Call, calls)):
        for start in range(0, total, 10_000):
            rows = _rows(kind, org_id, min(10_000, total - start), start, people, end, rng)
            with db.engine.begin() as conn:
                conn.execute(insert(model), rows)
            for row in rows:
                party = row["from_number"] if row["direction"] == "inbound" else row["to_number"]
                seen[party] += 1
                latest.setdefault(party, row["date_created"])
    db.contacts.touch(org_id, latest)
    return seen


def counted_in_python(db: Any, org_id: int) -> Counter[str]:
    from sqlalchemy import text

    from loquent_desktop.domain.contacts import parties

    seen: Counter[str] = Counter()
    with db.engine.connect() as conn:
        for table, parent in (("message", "NULL"), ('"call"', "parent_call_sid")):
            rows = conn.execute(text(
                f"SELECT direction, from_number, to_number, {parent} FROM {table} "
                f"WHERE organization_id = {org_id}"
            ))  # fmt: skip
            for direction, from_, to, parent_sid in rows:
                theirs = parties(direction, from_, to, parent_sid)[1]
                if theirs:
                    seen[theirs] += 1
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: read the data a previous run stored there (filling 1M "
        "rows takes minutes)",
    )
    parser.add_argument(
        "--with-index",
        action="store_true",
        help="add an index per side (organization_id, from/to_number, direction, date, other "
        "number) first, as a migration would, to compare",
    )
    args = parser.parse_args(argv)

    from loquent_desktop.services.contacts import ContactsService
    from loquent_desktop.store.database import open_database

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        db = open_database(url)
        try:
            existing = [o for o in db.organizations.list() if o.name.startswith("Bench")]
            if args.reuse and existing:
                org = existing[0]
                seen = counted_in_python(db, org.id)
                print(f"reusing {sum(seen.values()):,} records, {len(seen):,} contacts")
            else:
                org = db.organizations.add(f"Bench {time.time_ns()}")
                started = time.perf_counter()
                seen = fill(db, org.id, args.messages, args.calls, args.contacts)
                print(f"stored {args.messages:,} messages, {args.calls:,} calls, {len(seen):,} "
                      f"contacts in {time.perf_counter() - started:.0f} s")  # fmt: skip
            if args.with_index:  # what a migration would add: one index per side
                from sqlalchemy import text

                with db.engine.begin() as conn:
                    for table, when in (("message", "date_sent"), ("call", "start_time")):
                        for one, other in (("from", "to"), ("to", "from")):
                            conn.execute(text(
                                f'CREATE INDEX IF NOT EXISTS bench_{table}_{one} ON "{table}" '
                                f"(organization_id, {one}_number, direction, {when}, "
                                f"{other}_number)"
                            ))  # fmt: skip
            service = ContactsService(db.contacts)
            times, rows = [], []
            for _ in range(3):
                started = time.perf_counter()
                rows = asyncio.run(service.summaries(org.id))
                times.append(time.perf_counter() - started)
            counted = {r.phone_number: r.messages + r.calls for r in rows}
            exact = counted == dict(seen)
            median = statistics.median(times)
            verdict = "PASS" if median <= TARGET_S and exact else "FAIL"
            runs = ", ".join(f"{t:.2f}" for t in times)
            print(f"contacts read: median {median:.2f} s (runs {runs}), {len(rows):,} rows, "
                  f"counts exact: {exact}  target {TARGET_S:.0f} s  {verdict}")  # fmt: skip
            return 0 if verdict == "PASS" else 1
        finally:
            db.dispose()


if __name__ == "__main__":
    sys.exit(main())
