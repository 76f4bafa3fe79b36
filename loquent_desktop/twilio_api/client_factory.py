"""Builds twilio `Client`s that share one HTTP session on the running event loop; TLS is
checked against the OS trust store (see `tls.py`) unless a test hands in its own context."""

from __future__ import annotations

import ssl

from twilio.rest import Client

from ..domain.credentials import Credentials
from .http_client import RequestHook, RoutingHttpClient
from .retry import RetryPolicy
from .routing import HostRouting


class TwilioClientFactory:
    """One per app. The HTTP session is created lazily because aiohttp needs a running loop."""

    def __init__(
        self,
        routing: HostRouting | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        on_request: RequestHook | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.ssl_context = ssl_context
        self.routing = routing or HostRouting()
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self._http: RoutingHttpClient | None = None

    @property
    def http(self) -> RoutingHttpClient:
        if self._http is None or self._http.closed:
            self._http = RoutingHttpClient(
                self.routing, self.timeout_s, self.retry, self.on_request, self.ssl_context
            )
        return self._http

    def client(self, credentials: Credentials) -> Client:
        return Client(
            username=credentials.username,
            password=credentials.secret,
            account_sid=credentials.account_sid,
            http_client=self.http,
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
