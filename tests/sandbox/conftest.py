"""Fixtures for the emulator tests: a seeded server in a thread, real twilio clients.

``SandboxHttpClient`` is the rewriting HTTP client the guide describes: it sends every
``https://*.twilio.com`` request to the emulator, and checks every response against the
Twilio spec, so each test that goes through the library is also a schema test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from loquent_desktop.sandbox import SandboxServer, SeedInfo, start_emulator

from .spec_check import check_response

_TWILIO_HOST = re.compile(r"^https://[A-Za-z0-9.-]+\.twilio\.com")


class SandboxHttpClient(TwilioHttpClient):
    """Rewrites Twilio hosts to the emulator and spec-checks each response."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        local = _TWILIO_HOST.sub(self.base_url, url)
        response = super().request(method, local, *args, **kwargs)
        path = requests.utils.urlparse(local).path
        body = response.text and requests.models.complexjson.loads(response.text)
        check_response(method, path, response.status_code, body or None)
        return response


class Sandbox:
    """A running emulator plus the credentials it was seeded with."""

    def __init__(self, server: SandboxServer, info: SeedInfo) -> None:
        self.server = server
        self.info = info
        self.state = server.state
        self.base_url = server.base_url

    def client(self, username: str | None = None, password: str | None = None,
               account_sid: str | None = None) -> Client:  # fmt: skip
        return Client(
            username or self.info.account_sid,
            password or self.info.auth_token,
            account_sid=account_sid or self.info.account_sid,
            http_client=SandboxHttpClient(self.base_url),
        )

    def key_client(self) -> Client:
        return self.client(self.info.api_key_sid, self.info.api_key_secret)

    def raw(self, method: str, path: str, auth: tuple[str, str] | None = None,
            data: Any = None, check: bool = True) -> requests.Response:  # fmt: skip
        """A plain HTTP request (no twilio library), spec-checked unless ``check=False``."""
        auth = auth if auth is not None else (self.info.account_sid, self.info.auth_token)
        resp = requests.request(method, self.base_url + path, auth=auth, data=data, timeout=10)
        if check:
            body = resp.json() if resp.content else None
            check_response(method, requests.utils.urlparse(resp.url).path, resp.status_code, body)
        return resp

    @property
    def acct(self) -> str:
        """``/2010-04-01/Accounts/AC...`` of the demo account."""
        return f"/2010-04-01/Accounts/{self.info.account_sid}"


def _start(numbers: int) -> tuple[SandboxServer, SeedInfo]:
    running = start_emulator(numbers=numbers, messages=20, calls=10, recordings=5, seed=1)
    return running.server, running.seed


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    server, info = _start(25)
    yield Sandbox(server, info)
    server.stop_thread()


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[Sandbox]:
    server, info = _start(10_000)
    yield Sandbox(server, info)
    server.stop_thread()
