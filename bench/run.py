"""`./dev.sh bench`: every benchmark, one table, each figure next to its same-run baseline.

    python bench/run.py [--json FILE] [--quick] [--only NAME[,NAME]] [--messages N]
                        [--calls N] [--latency-ms MS] [--numbers N] [--postgres | --no-postgres]

Runs each benchmark module's `figures(BenchConfig)` in a subprocess of its own (Qt
applications, emulators and memory peaks must not mix), collects the figures as JSON, prints
the machine's details and one table (figure, baseline, ratio, target, PASS/FAIL) and, with
`--json FILE`, writes it all there. Exits 1 when a target is missed, a benchmark fails or one
is not available: the bar is that every figure is measured and meets its target.

Sizes default to the issue's (1,000,000 messages, 200,000 calls, 100 ms per request, 10,000
numbers); `--quick` makes the defaults small (a smoke run of the harness, its figures mean
little). PostgreSQL: `./dev.sh bench` starts a throw-away server and exports
LOQUENT_TEST_POSTGRES_URL; the benchmarks that support it then run on it too, unless
`--no-postgres`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from figures import BenchConfig, Figure  # noqa: E402  (same folder)

# name -> (module, what it measures); the order of the table.
BENCHMARKS = {
    "sync_scale": ("bench_sync_scale", "history sync at scale"),
    "browser": ("bench_browser", "history browser at 1M rows"),
    "startup": ("bench_startup", "start-up to first window"),
    "numbers": ("bench_numbers", "10,000-number table"),
}
QUICK = {"messages": 20_000, "calls": 4_000, "numbers": 1_000}
POSTGRES_ENV = "LOQUENT_TEST_POSTGRES_URL"
MODULE_TIMEOUT_S = 4 * 3600  # a hung benchmark is a row that says so, not a hung command
QUICK_TIMEOUT_S = 30 * 60


# -- running one benchmark module ------------------------------------------------------------
def _child(module: str, config_json: str, out: str) -> int:
    """In the subprocess: import `module`, call figures(), write them to `out` as JSON."""
    data = json.loads(config_json)
    data["database_urls"] = tuple(data["database_urls"])
    config = BenchConfig(**data)
    found = __import__(module).figures(config)
    Path(out).write_text(json.dumps([f.as_json() for f in found]), encoding="utf-8")
    return 0


def _figure(data: dict[str, Any]) -> Figure:
    names = {f.name for f in fields(Figure)}
    return Figure(**{k: v for k, v in data.items() if k in names})


def run_module(name: str, config: BenchConfig) -> tuple[list[Figure], str]:
    """The module's figures, or [] and why not ("not available", its error)."""
    module, _ = BENCHMARKS[name]
    if not (BENCH / f"{module}.py").exists():
        return [], f"not available (bench/{module}.py does not exist yet)"
    handle, out = tempfile.mkstemp(prefix=f"loquent-bench-{name}-", suffix=".json")
    os.close(handle)
    command = [sys.executable, str(Path(__file__)), "--child", module, json.dumps(asdict(config))]
    print(f"\n=== {name}: {' '.join(command[2:4])}", flush=True)
    began = time.perf_counter()
    try:
        limit = QUICK_TIMEOUT_S if config.quick else MODULE_TIMEOUT_S
        code = subprocess.run([*command, out], cwd=ROOT, timeout=limit).returncode
        text = Path(out).read_text(encoding="utf-8")
    except subprocess.TimeoutExpired:
        return [], f"did not finish within {limit / 60:.0f} minutes"
    finally:
        Path(out).unlink(missing_ok=True)
    print(f"=== {name}: {time.perf_counter() - began:.0f} s", flush=True)
    if code != 0 or not text:
        return [], f"failed (exit {code}; its output is above)"
    return [_figure(d) for d in json.loads(text)], ""


# -- the machine -----------------------------------------------------------------------------
def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
    except OSError:
        pass
    return "?"


def _postgres_version(url: str) -> str:
    try:
        from sqlalchemy import create_engine, text

        from loquent_desktop.store.database import normalize_url

        engine = create_engine(normalize_url(url))
        try:
            with engine.connect() as connection:
                return str(connection.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()
    except Exception as exc:  # the benchmarks will say more
        return f"unreachable ({type(exc).__name__})"


def machine(config: BenchConfig) -> dict[str, str]:
    import PySide6
    from PySide6.QtCore import qVersion

    memory_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    details = {
        "CPU": _first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "RAM": f"{int(memory_kb) / 1024 / 1024:.1f} GiB" if memory_kb.isdigit() else "?",
        "OS": f"{_first('/etc/os-release', 'PRETTY_NAME=').strip(chr(34))}, "
        f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Qt": f"{qVersion()} (PySide6 {PySide6.__version__})",
        "SQLite": sqlite3.sqlite_version,
    }
    postgres = [u for u in config.database_urls if u != "sqlite"]
    if postgres:
        details["PostgreSQL"] = _postgres_version(postgres[0])
    # 1, 5 and 15 minutes: a machine busy with other work slows baselines and figures alike,
    # which is why every figure is compared with a baseline measured in the same run.
    details["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return details


# -- the table -------------------------------------------------------------------------------
def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms" and value >= 10_000:
        return f"{value / 1000:.1f} s"
    if unit == "s" and value < 1:
        return f"{value * 1000:.0f} ms"
    integral = float(value).is_integer()
    precision = 0 if integral or abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{precision}f} {unit}".strip()


def _target(figure: Figure) -> str:
    if figure.comparison == "ratio_max":
        return f"≤ {figure.target:g}×"
    if figure.comparison == "ratio_min":
        return f"≥ {figure.target:g}× faster"
    return f"≤ {_value(figure.target, figure.unit)}"


def rows_of(figures: list[Figure]) -> list[tuple[str, ...]]:
    rows = []
    for f in figures:
        baseline = f"{_value(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline else "—"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None and f.comparison != "value_max" else "—"
        rows.append((f.name, _value(f.value, f.unit), baseline, ratio, _target(f), _verdict(f)))
    return rows


def _verdict(figure: Figure) -> str:
    return "PASS" if figure.passed else "FAIL"


def print_table(
    figures: list[Figure], missing: list[tuple[str, str]] | None = None, out: Any = None
) -> None:
    """The table as Markdown (it goes into the README as it is)."""
    out = out or sys.stdout
    header = ("Figure", "Value", "Baseline (same run)", "Ratio", "Target", "Result")
    rows = rows_of(figures) + [
        (f"{name}: {why}", "—", "—", "—", "—", "FAIL") for name, why in missing or []
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |", file=out
    )
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for row in rows:
        print(
            "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |", file=out
        )
    notes = [f for f in figures if f.notes]
    if notes:
        print(file=out)
        for f in notes:
            print(f"- {f.name}: {f.notes}", file=out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="./dev.sh bench", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the results here")
    parser.add_argument("--messages", type=int, help="history size (default 1,000,000)")
    parser.add_argument("--calls", type=int, help="calls in the history (default 200,000)")
    parser.add_argument(
        "--latency-ms", type=float, help="added per emulator request where it applies (100)"
    )
    parser.add_argument("--numbers", type=int, help="owned numbers (default 10,000)")
    pg = parser.add_mutually_exclusive_group()
    pg.add_argument("--postgres", dest="postgres", action="store_true", default=None)
    pg.add_argument("--no-postgres", dest="postgres", action="store_false")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--only", metavar="NAME", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}"
    )
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> BenchConfig:
    config = BenchConfig(quick=args.quick)
    if args.quick:
        config = replace(config, **QUICK)
    given = {
        k: v
        for k, v in (
            ("messages", args.messages),
            ("calls", args.calls),
            ("latency_ms", args.latency_ms),
            ("numbers", args.numbers),
        )
        if v is not None
    }
    config = replace(config, **given)
    postgres = os.environ.get(POSTGRES_ENV)
    if args.postgres and not postgres:
        raise SystemExit(
            f"--postgres needs a server: run `./dev.sh bench`, which starts a throw-away "
            f"PostgreSQL, or set {POSTGRES_ENV}."
        )
    if postgres and args.postgres is not False:
        config = replace(config, database_urls=("sqlite", postgres))
    return config


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(*argv[1:4])
    args = parse_args(argv)
    config = config_from(args)
    chosen = list(BENCHMARKS)
    if args.only:
        chosen = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in chosen if n not in BENCHMARKS]
        if unknown:
            raise SystemExit(f"unknown benchmark {unknown}; choose from {', '.join(BENCHMARKS)}")
    details = machine(config)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    found: list[Figure] = []
    missing: list[tuple[str, str]] = []
    for name in chosen:
        got, why = run_module(name, config)
        found += got
        if why:
            missing.append((name, why))

    print(f"\n## Benchmarks, {started}\n")
    for key, value in details.items():
        print(f"- {key}: {value}")
    sizes = (
        f"{config.messages:,} messages, {config.calls:,} calls, {config.latency_ms:g} ms per "
        f"request, {config.numbers:,} numbers, databases: "
        + ", ".join("PostgreSQL" if u != "sqlite" else "SQLite" for u in config.database_urls)
    )
    print(f"- sizes: {sizes}{' (--quick)' if config.quick else ''}\n")
    print_table(found, missing)
    passed = bool(found) and not missing and all(f.passed for f in found)
    print("\nAll targets met." if passed else "\nFAIL: a target was missed or not measured.")
    if args.json:
        # dev.sh runs us from the project folder; the path is meant from where it was started.
        args.json = Path(os.environ.get("LOQUENT_BENCH_CWD", ".")) / args.json
        args.json.write_text(
            json.dumps(
                {
                    "started": started,
                    "machine": details,
                    "config": asdict(config),
                    "figures": [f.as_json() for f in found],
                    "not_measured": dict(missing),
                    "passed": passed,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"Wrote {args.json}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
