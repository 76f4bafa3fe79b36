"""The emulator's HTTP server: one aiohttp app serving every Twilio product host.

The twilio library's requests are rewritten from ``https://<product>.twilio.com/<path>``
to ``<base_url>/<path>``, so api (``/2010-04-01/...``), events and trunking (``/v1/...``)
all arrive here. Each request goes: request log -> faults -> credentials -> route ->
account scope -> handler (under ``state.lock``) -> JSON.

Run it on the caller's loop (``await server.start()``, as tests on a qasync loop do) or
in its own daemon thread (``server.start_in_thread()``, as the desktop app does, so that
serialising a 1000-number page never blocks the GUI thread).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.auth import basic_username, require_account_access, resolve
from loquent_desktop.sandbox.errors import TwilioError, error_body, not_found
from loquent_desktop.sandbox.faults import FaultRule, Faults
from loquent_desktop.sandbox.formats import is_sid, new_sid
from loquent_desktop.sandbox.request_log import RequestLog, RequestRecord
from loquent_desktop.sandbox.resources import ROUTES
from loquent_desktop.sandbox.resources.recording_media import MediaDesk, is_media_path
from loquent_desktop.sandbox.routing import Ctx, Reply, Route, match
from loquent_desktop.sandbox.state import SandboxState

log = logging.getLogger(__name__)


class _Dropped(Exception):
    """The fault said to close the connection without an answer."""


class SandboxServer:
    """A stateful Twilio emulator on 127.0.0.1."""

    def __init__(self, state: SandboxState, routes: list[Route] | None = None) -> None:
        self.state = state
        self.routes = list(routes if routes is not None else ROUTES)
        self.faults = Faults()
        self.request_log = RequestLog()
        self.media = MediaDesk(log=self.request_log)  # recording media: logged, marked media
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the sandbox server is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int | None:
        return self._port

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # access_log=None: the request log is ours; aiohttp's would only add noise.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only through the socket
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._port = None

    def start_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve from a daemon thread with its own loop; returns once listening."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._thread_loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start(host, port))
            except BaseException as exc:  # report bind errors to the caller
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="loquent-sandbox", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self.base_url

    def stop_thread(self) -> None:
        loop, thread = self._thread_loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._thread_loop = None

    # -- conveniences for tests --------------------------------------------------------------

    def clear_log(self) -> None:
        self.request_log.clear()

    def requests(
        self, method: str | None = None, path_contains: str | None = None
    ) -> list[RequestRecord]:
        return self.request_log.filter(method, path_contains)

    def set_latency(self, seconds: float) -> None:
        """Delay every request by ``seconds`` (on top of any latency fault)."""
        self.faults.global_latency = seconds

    # -- request handling --------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if is_media_path(request.path):
            return await self.media.serve(self.state, request, self.base_url)
        started = time.perf_counter()
        method = request.method.upper()
        path = request.path
        form = await request.post() if method in ("POST", "PUT", "PATCH") else None
        record = RequestRecord(
            method=method,
            path=path,
            query=dict(request.query),
            form={k: str(v) for k, v in (form or {}).items()},
            auth_username=basic_username(request.headers.get("Authorization")),
            query_multi=_multi(request.query),
            form_multi=_multi(form) if form is not None else {},
        )
        try:
            response = await self._serve(request, record, form)
        except _Dropped:
            record.status = None if record.fault == "drop" else record.status
            record.duration = time.perf_counter() - started
            self.request_log.append(record)
            _abort(request)
            raise asyncio.CancelledError from None  # aiohttp then abandons the request
        record.status = response.status
        record.duration = time.perf_counter() - started
        self.request_log.append(record)
        return response

    async def _serve(self, request: web.Request, record: RequestRecord, form: Any) -> web.Response:
        if self.faults.global_latency > 0:
            await asyncio.sleep(self.faults.global_latency)
        fault = self.faults.take(record.method, record.path)
        if fault is not None:
            record.fault = fault.kind
            early = await self._apply_fault(fault)
            if early is not None:
                return early
        try:
            reply = self._handle(request, record, form)
        except TwilioError as exc:
            return _json_response(exc.status, exc.body(), exc.headers)
        if fault is not None and fault.kind == "drop_after":
            record.status = reply.status
            raise _Dropped
        if fault is not None and fault.kind == "repeat_page" and reply.body is not None:
            _point_back(reply.body, request)
        if fault is not None and fault.kind == "truncate":
            whole = _json_response(reply.status, reply.body).text or ""
            return web.Response(
                status=reply.status,
                text=whole[: len(whole) // 2],
                content_type="application/json",
            )
        return _json_response(reply.status, reply.body)

    async def _apply_fault(self, fault: FaultRule) -> web.Response | None:
        if fault.kind == "latency":
            await asyncio.sleep(fault.latency)
            return None
        if fault.kind == "drop":
            raise _Dropped
        if fault.kind == "429":
            body = error_body(429, errors.TOO_MANY_REQUESTS, "Too Many Requests")
            retry = fault.retry_after
            header = str(int(retry)) if float(retry).is_integer() else str(retry)
            return _json_response(429, body, {"Retry-After": header})
        if fault.kind == "500":
            return _json_response(
                500, error_body(500, errors.INTERNAL_ERROR, "Internal Server Error")
            )
        if fault.kind == "503":
            return _json_response(
                503, error_body(503, errors.SERVICE_UNAVAILABLE, "Service Unavailable")
            )
        return None  # drop_after, truncate: handled once the request has been processed

    def _handle(self, request: web.Request, record: RequestRecord, form: Any) -> Reply:
        principal = resolve(self.state, request.headers.get("Authorization"))
        found = match(self.routes, record.path)
        if found is None:
            raise not_found(record.path)
        route, params = found
        handler = route.handlers.get(record.method)
        if handler is None:
            raise TwilioError(405, errors.METHOD_NOT_ALLOWED, "Method not allowed")
        if route.accounts_resource and not principal.may_use_accounts_resource:
            raise errors.authenticate()
        with self.state.lock:
            if route.account_param:
                account_sid = params[route.account_param]
                if not is_sid(account_sid, "AC") or account_sid not in self.state.accounts:
                    raise not_found(record.path)
                require_account_access(self.state, principal, account_sid)
            ctx = Ctx(
                self.state, principal, record.method, record.path, params,
                request.query, form if form is not None else _EMPTY_FORM,
            )  # fmt: skip
            return handler(ctx)


def _multi(data: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        out.setdefault(key, []).append(str(value))
    return out


_EMPTY_FORM = MultiDictProxy(MultiDict[str]())


def _point_back(body: dict[str, Any], request: web.Request) -> None:
    """Make a list page's next-page link name the page itself (a server bug some proxies
    and caches produce): a client that follows links blindly never stops."""
    if body.get("next_page_uri"):
        body["next_page_uri"] = request.path_qs
    meta = body.get("meta")
    if isinstance(meta, dict) and meta.get("next_page_url"):
        meta["next_page_url"] = meta.get("url")


def _json_response(
    status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None
) -> web.Response:
    extra = {"Twilio-Request-Id": new_sid("RQ"), **(headers or {})}
    if body is None:
        return web.Response(status=status, headers=extra)
    text = json.dumps(body, separators=(",", ":"))
    return web.Response(
        status=status, text=text, content_type="application/json", charset="utf-8",
        headers=extra,
    )  # fmt: skip


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()  # no FIN-then-response: the client sees the connection vanish
