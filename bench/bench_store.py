"""Benchmark: the local store and the emulator at 10,000 numbers.

    python bench/bench_store.py [--numbers 10000] [--database-url URL]

Measures (a) importing N numbers into an empty database (`upsert_many`), (b) importing the
same N again (all already there), (c) the emulator's own server time to serve N owned numbers
in pages of 1000. Prints PASS/FAIL against the targets and exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from loquent_desktop.sandbox import start_emulator
from loquent_desktop.store.database import open_database

TARGETS_MS = {"import new": 1000.0, "import again": 1000.0, "emulator pages": 1000.0}


def twilio_number(i: int) -> dict[str, object]:
    return {
        "sid": f"PN{i:032x}",
        "phone_number": f"+1415{i:07d}",
        "friendly_name": f"Line {i}",
        "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        "voice_url": f"https://crm.example.com/voice/{i}",
        "voice_method": "POST",
        "date_created": "Tue, 02 Jan 2024 03:04:05 +0000",
        "date_updated": "Tue, 02 Jan 2024 03:04:05 +0000",
    }


def bench_import(numbers: int, url: str) -> dict[str, float]:
    db = open_database(url)
    try:
        org = db.organizations.add(f"Bench {time.time_ns()}")
        rows = [twilio_number(i) for i in range(numbers)]
        started = time.perf_counter()
        assert db.phone_numbers.upsert_many(org.id, rows) == (numbers, 0)
        first = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        assert db.phone_numbers.upsert_many(org.id, rows) == (0, numbers)
        second = (time.perf_counter() - started) * 1000
        db.organizations.remove(org.id)
    finally:
        db.dispose()
    return {"import new": first, "import again": second}


def bench_emulator(numbers: int, runs: int = 3) -> float:
    import twilio.rest

    running = start_emulator(numbers=numbers)
    server, seed, base = running.server, running.seed, running.base_url
    try:
        from twilio.http.http_client import TwilioHttpClient

        class Local(TwilioHttpClient):
            def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
                return super().request(
                    method, url.replace("https://api.twilio.com", base), *args, **kwargs
                )

        client = twilio.rest.Client(seed.account_sid, seed.auth_token, http_client=Local())
        totals = []
        for _ in range(runs):
            server.clear_log()
            listed = client.api.v2010.accounts(seed.account_sid).incoming_phone_numbers.list(
                page_size=1000
            )
            assert len(listed) == numbers
            totals.append(sum(r.duration for r in server.requests("GET")) * 1000)
        return statistics.median(totals)
    finally:
        running.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a SQLite file in a temp folder")
    args = parser.parse_args(argv)
    urls = [args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"]
    # ./dev.sh bench provides a throw-away PostgreSQL: measure the shared-database option too.
    if not args.database_url and os.environ.get("LOQUENT_TEST_POSTGRES_URL"):
        urls.append(os.environ["LOQUENT_TEST_POSTGRES_URL"])
    failed = False
    print(f"{args.numbers:,} numbers")
    for index, url in enumerate(urls):
        figures = bench_import(args.numbers, url)
        if index == 0:
            figures["emulator pages"] = bench_emulator(args.numbers)
        print(f"database {url.split(':', 1)[0].split('+')[0]}")
        for name, value in figures.items():
            ok = value <= TARGETS_MS[name]
            failed |= not ok
            print(
                f"  {name:<16} {value:8.0f} ms   target ≤ {TARGETS_MS[name]:.0f} ms   "
                f"{'PASS' if ok else 'FAIL'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
