"""The async HTTP client handed to the twilio library.

It replaces `AsyncTwilioHttpClient.request` to add what the library lacks: host routing (to the
sandbox or another Twilio-compatible server), a real per-request timeout (the library ignores
its constructor's), our retry policy (the library's `max_retries` also repeats POSTs on 5xx,
which could buy a number twice), network failures raised as `TwilioApiError`, and TLS checked
against the OS trust store (`tls.py`), so a company's inspection root works.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from ..domain.errors import TwilioApiError
from .retry import RetryPolicy, wait_at_least
from .routing import HostRouting
from .tls import is_certificate_error, ssl_context, untrusted_message

log = logging.getLogger(__name__)

RequestHook = Callable[[str, str, int | None], None]


def _pairs(values: Mapping[str, Any] | None) -> list[tuple[str, str]] | None:
    """Form/query pairs with list values repeated (`Types=a&Types=b`), as Twilio expects."""
    if values is None:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, _text(item)) for item in items if item is not None)
    return pairs


_CHECK_WHOLE = 64 * 1024  # answers up to this size are decoded whole to check them


def _readable(response: Response) -> bool:
    """Whether a successful answer is the JSON every Twilio REST endpoint returns (an empty
    body is fine: a DELETE answers 204 with none)."""
    if not 200 <= response.status_code < 300 or not response.text:
        return True
    if len(response.text) > _CHECK_WHOLE:
        # A list page (~1 MB) is decoded by its reader anyway, off the event loop where it
        # can (history_pages): decoding it here as well doubled the loop's work. An answer
        # cut short does not end its object.
        return response.text.rstrip().endswith(("}", "]"))
    try:
        json.loads(response.text)
    except ValueError:
        return False
    return True


def _certificate_reason(exc: BaseException) -> str:
    """OpenSSL's short reason ("self-signed certificate in certificate chain"), if any."""
    cert_error = getattr(exc, "certificate_error", None)
    reason = getattr(cert_error, "verify_message", None) or getattr(exc, "verify_message", None)
    return str(reason) if reason else ""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RoutingHttpClient(AsyncHttpClient):
    """Close with `await close()`. The aiohttp session is made on first use, inside the running
    loop (aiohttp refuses to create one outside it)."""

    def __init__(
        self,
        routing: HostRouting | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        on_request: RequestHook | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(logger=log, is_async=True, timeout=timeout_s)
        # None: the OS trust store, made with the session (on the running loop).
        self._ssl_context = ssl_context
        self.routing = routing or HostRouting()
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.on_request = on_request
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # trust_env: honour HTTPS_PROXY / NO_PROXY, as corporate networks need.
            context = self._ssl_context or ssl_context()
            self._session = aiohttp.ClientSession(
                trust_env=True, connector=aiohttp.TCPConnector(ssl=context)
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        method = method.upper()
        target = self.routing.rewrite(url)
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            retry_after: str | None = None
            try:
                response = await self._send(
                    method, target, params, data, headers, auth, timeout, allow_redirects
                )
                status = response.status_code
                retry_after = response.headers.get("Retry-After") if response.headers else None
                if status < 400 or not self.retry.should_retry(method, status, attempt):
                    return response
            except TwilioApiError as err:
                timed_out = err.kind == "timeout"
                if not self.retry.should_retry(method, None, attempt, timed_out):
                    raise
            wait = self.retry.delay(attempt, retry_after)
            log.info(
                "Retrying %s %s after %s (attempt %d, waiting %.1fs)",
                method,
                urlsplit(target).path,
                status or "no response",
                attempt,
                wait,
            )
            await wait_at_least(wait)

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
        timeout: float | None,
        allow_redirects: bool,
    ) -> Response:
        limit = aiohttp.ClientTimeout(total=timeout or self.timeout_s)
        host = urlsplit(url).netloc
        request_headers = dict(headers or {})
        if auth:
            request_headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
        try:
            async with self.session.request(
                method,
                url,
                params=_pairs(params),
                data=_pairs(data),
                headers=request_headers,
                timeout=limit,
                allow_redirects=allow_redirects,
            ) as raw:
                text = await raw.text()
                response = Response(raw.status, text, dict(raw.headers))
        except TimeoutError:
            self._notify(method, url, None)
            raise TwilioApiError(
                f"Twilio ({host}) did not answer within {limit.total:g} "
                f"second{'' if limit.total == 1 else 's'}. "
                "Check your connection and try again.",
                kind="timeout",
                method=method,
            ) from None
        except aiohttp.ClientError as exc:
            self._notify(method, url, None)
            if isinstance(exc, aiohttp.ClientConnectorCertificateError) or is_certificate_error(
                exc
            ):
                raise TwilioApiError(
                    untrusted_message(host, _certificate_reason(exc)),
                    kind="connection",
                    method=method,
                ) from None
            raise TwilioApiError(
                f"Could not reach Twilio at {host} ({type(exc).__name__}). Check your internet "
                "connection, proxy or firewall, and try again.",
                kind="connection",
                method=method,
            ) from None
        self._notify(method, url, response.status_code)
        if not _readable(response):
            # The library would raise a bare JSONDecodeError. The request may well have been
            # processed (a proxy or a dropped connection cut the answer short), so this is a
            # lost answer: retried for reads, read back by the caller for writes.
            raise TwilioApiError(
                f"Twilio's answer from {host} was cut off or unreadable "
                f"(HTTP {response.status_code}). Try again; if it keeps happening, check "
                "for a proxy or firewall that alters HTTPS traffic.",
                status=response.status_code,
                kind="malformed",
                method=method,
            )
        return response

    def _notify(self, method: str, url: str, status: int | None) -> None:
        if self.on_request is not None:
            self.on_request(method, urlsplit(url).path, status)

    async def close(self) -> None:
        self._closed = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
