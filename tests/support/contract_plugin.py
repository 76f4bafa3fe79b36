"""Pytest plugin: every request any emulator receives during a test is checked against
Twilio's specs (`request_contract`), and a test that made the app send one the spec does not
allow fails, naming the request and what is wrong with it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from loquent_desktop.sandbox.request_log import RequestLog, RequestRecord

from .request_contract import violations

_lock = threading.Lock()
_found: list[str] = []


def _watch(record: RequestRecord) -> None:
    problems = violations(record)
    if problems:
        with _lock:
            _found.extend(problems)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "breaks_contract: the test sends requests Twilio's spec forbids on purpose"
    )
    RequestLog.watchers.append(_watch)


@pytest.fixture(autouse=True)
def _twilio_contract(request: pytest.FixtureRequest) -> Iterator[None]:
    with _lock:
        _found.clear()
    yield
    with _lock:
        found = list(dict.fromkeys(_found))
        _found.clear()
    # The emulator's own tests send malformed requests on purpose, to check its answers.
    on_purpose = request.node.get_closest_marker("breaks_contract") is not None
    if found and not on_purpose and "tests/sandbox/" not in request.node.nodeid:
        shown = "\n  ".join(found[:20])
        more = f"\n  … and {len(found) - 20} more" if len(found) > 20 else ""
        pytest.fail(f"the app sent requests that Twilio's spec does not allow:\n  {shown}{more}")
