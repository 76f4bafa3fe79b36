"""Pytest plugin: the fault and crash suites report how many trials they ran and what they
injected, and the report is printed at the end of every run (`./dev.sh test` included),
not only with `-s`."""

from __future__ import annotations

import pytest

_lines: list[str] = []


@pytest.fixture
def trial_report() -> object:
    """Call it with one line per suite: `trial_report("message sync: 20 SIGKILL trials…")`."""
    return _lines.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _lines:
        terminalreporter.section("fault and crash trials")
        for line in _lines:
            terminalreporter.write_line(line)
