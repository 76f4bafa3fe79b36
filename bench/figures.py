"""The shape every benchmark reports in, so `./dev.sh bench` can print one table.

Each figure stands next to a baseline measured in the same run (the bare `twilio` library
paging the same emulator, a bare PySide6 window with the same tabs, ...), because on a noisy
machine an absolute time says little and a ratio to a same-run peer says a lot.

A benchmark module offers `figures(config: BenchConfig) -> list[Figure]`; `bench/run.py`
calls each one, prints the table and writes `--json FILE`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Comparison = Literal["ratio_max", "ratio_min", "value_max"]


@dataclass(frozen=True)
class BenchConfig:
    """What `./dev.sh bench` was asked for; each benchmark reads what it needs."""

    messages: int = 1_000_000
    calls: int = 200_000
    latency_ms: float = 100.0
    numbers: int = 10_000
    database_urls: tuple[str, ...] = ("sqlite",)
    quick: bool = False  # smaller sizes, for a smoke run of the harness itself


@dataclass(frozen=True)
class Figure:
    """One measured figure with its same-run baseline and its target.

    `comparison` says how the target applies:
      - "ratio_max": value / baseline must be <= target (e.g. sync time <= 1.3x bare paging)
      - "ratio_min": baseline / value must be >= target (e.g. >= 5x faster than sequential)
      - "value_max": value itself must be <= target (e.g. filter <= 100 ms); baseline optional
    """

    name: str
    value: float
    unit: str
    target: float
    comparison: Comparison
    baseline: float | None = None
    baseline_name: str = ""
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0 or self.value == 0:
            return None
        if self.comparison == "ratio_min":
            return self.baseline / self.value
        return self.value / self.baseline

    @property
    def passed(self) -> bool:
        if self.comparison == "value_max":
            return self.value <= self.target
        ratio = self.ratio
        if ratio is None:
            return False
        if self.comparison == "ratio_max":
            return ratio <= self.target
        return ratio >= self.target

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["passed"] = self.passed
        return data
