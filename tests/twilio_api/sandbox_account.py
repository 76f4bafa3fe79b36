"""The demo account of the emulator as the services see it: a `TwilioAccount` whose
gateways talk to the sandbox over real HTTP through the twilio library."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from loquent_desktop.twilio_api.account import TwilioAccount
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.retry import RetryPolicy
from loquent_desktop.twilio_api.routing import HostRouting

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.01, jitter=0.1)


@pytest.fixture
def factory(qloop: Any, sandbox: Any) -> Iterator[TwilioClientFactory]:
    made = TwilioClientFactory(HostRouting(base_url=sandbox.base_url), timeout_s=5, retry=FAST)
    yield made
    qloop.run_until_complete(made.aclose())


@pytest.fixture
def demo_account(factory: TwilioClientFactory, sandbox: Any) -> TwilioAccount:
    return TwilioAccount(factory.client(sandbox.demo_credentials))


def emulator_writes(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.server.requests() if r.method in ("POST", "DELETE")]
