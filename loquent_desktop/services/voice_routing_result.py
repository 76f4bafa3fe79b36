"""The outcome of one confirmed voice-routing plan: per number, and graded for the journal.

Pure: the execution fills `outcomes`; the journal keeps `summary()` and `grade()`, and the
Voice routing tab shows `describe()`.

Per-number outcomes: succeeded, unchanged (already as planned), recorded (already Loquent's,
changed by an interrupted run: only Loquent's record was written), skipped, and the problems
below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Per-number outcomes that need no more work.
DONE = ("succeeded", "unchanged", "recorded", "skipped")
RECORDED_WORDS = "recorded (changed by an interrupted run)"
# Per-number outcomes that leave work to do, in the words a summary uses.
PROBLEMS = {
    "failed": "failed",
    "changed": "changed since the plan (not sent)",
    "unknown": "outcome unknown",
    "not started": "not started",
}


@dataclass
class RoutingResult:
    """Per-number outcomes of one confirmed routing plan, in plan order."""

    action: str
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o["outcome"] == outcome)

    @property
    def failed(self) -> int:
        return self.count("failed")

    def summary(self) -> dict[str, Any]:
        return {"numbers": self.outcomes}

    def grade(self) -> tuple[str, str | None]:
        """The journal's outcome for the whole plan, and what went wrong in words."""
        ok = sum(self.count(o) for o in DONE)
        if ok == len(self.outcomes):
            return "succeeded", None
        problems = [
            f"{count} {words}"
            for outcome, words in PROBLEMS.items()
            if (count := self.count(outcome))
        ]
        text = f"{len(self.outcomes) - ok} of {len(self.outcomes)} numbers: " + ", ".join(problems)
        if self.count("succeeded") == 0 and self.count("not started") == len(self.outcomes):
            return "cancelled", "Stopped before any number was changed"
        return ("failed" if ok == 0 else "partial"), text

    def describe(self) -> str:
        parts = [f"{self.count('succeeded')} done"]
        if unchanged := self.count("unchanged"):
            parts.append(f"{unchanged} already as planned")
        if recorded := self.count("recorded"):
            parts.append(f"{recorded} {RECORDED_WORDS}")
        if skipped := self.count("skipped"):
            parts.append(f"{skipped} skipped")
        parts += [f"{c} {words}" for o, words in PROBLEMS.items() if (c := self.count(o))]
        return ", ".join(parts)

    @property
    def needs_rerun(self) -> bool:
        return any(self.count(o) for o in ("failed", "changed", "unknown", "not started"))
