"""Recording media: ``…/Recordings/{RE}.wav|.mp3`` on the api host and the media storage it
redirects to, as Twilio serves them.

Twilio answers an authenticated media request on api.twilio.com with a 302 to its media
storage (a signed URL on another host). A client must follow it WITHOUT the account's
credentials. Here the storage is a distinct path (``/media/…``) on the same emulator, so a
client that blindly re-sends its Authorization header on redirects (same origin!) is caught:
`MediaDesk` records, per storage request, whether it carried one.

The audio is small and generated (a one-second tone per recording, WAV with a real RIFF
header, MP3 as silent MPEG-1 Layer III frames), the same bytes every time, so a test can
compare a downloaded file with `audio_for` byte for byte. Storage honours ``Range``
(206 + Content-Range), which is how a client resumes a partial file.

Media are not REST resources in Twilio's OpenAPI specs, so these requests bypass the JSON
router. They still go into the emulator's request log, marked `media="api"` or
`media="storage"` with whether an Authorization header came (the spec contract check skips
them), so a test reads "which host got credentials" where it reads everything else;
`MediaDesk` also keeps its own short lists for the download tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import struct
import time
from dataclasses import dataclass, field
from functools import lru_cache

from aiohttp import web

from loquent_desktop.sandbox.auth import basic_username, require_account_access, resolve
from loquent_desktop.sandbox.errors import TwilioError, error_body, not_found
from loquent_desktop.sandbox.request_log import RequestLog, RequestRecord
from loquent_desktop.sandbox.state import SandboxState

_API_MEDIA = re.compile(
    r"^/2010-04-01/Accounts/(?P<ac>AC[0-9a-fA-F]{32})/Recordings/(?P<re>RE[0-9a-fA-F]{32})"
    r"\.(?P<ext>wav|mp3)$"
)
_STORAGE = re.compile(
    r"^/media/(?P<ac>AC[0-9a-fA-F]{32})/(?P<re>RE[0-9a-fA-F]{32})\.(?P<ext>wav|mp3)$"
)
STORAGE_PREFIX = "/media/"
RATE = 8000  # Hz, Twilio's telephone recordings


def is_media_path(path: str) -> bool:
    return path.startswith(STORAGE_PREFIX) or bool(_API_MEDIA.match(path))


@lru_cache(maxsize=64)
def audio_for(sid: str, channels: int, ext: str) -> bytes:
    """The media of one recording: deterministic, so tests know its checksum."""
    if ext == "mp3":
        # MPEG-1 Layer III, 32 kbit/s, 32 kHz, mono: 144-byte frames; all-zero side info is
        # a silent frame every decoder accepts. 28 frames ≈ one second.
        frame = bytes((0xFF, 0xFB, 0x18, 0xC4)) + bytes(140)
        return frame * 28
    pitch = 300 + int(hashlib.sha256(sid.encode()).hexdigest()[:4], 16) % 500
    samples = bytearray()
    for n in range(RATE):
        value = int(8000 * math.sin(2 * math.pi * pitch * n / RATE))
        samples += struct.pack("<h", value) * channels
    data = bytes(samples)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, channels,
        RATE, RATE * 2 * channels, 2 * channels, 16, b"data", len(data),
    )  # fmt: skip
    return header + data


@dataclass
class StorageHit:
    path: str
    authorization: bool  # whether the request carried an Authorization header
    range: str | None


@dataclass
class MediaDesk:
    """The media side of one emulator: its log and the knobs tests turn."""

    api_requests: list[str] = field(default_factory=list)
    storage_hits: list[StorageHit] = field(default_factory=list)
    cut_after: int | None = None  # the next storage answer stops after this many bytes
    throttle: int = 0  # answer this many api-host media requests with 429 first
    in_flight: int = 0  # storage answers being sent now, and the most at once
    most_in_flight: int = 0
    log: RequestLog | None = field(default=None, repr=False)  # the emulator's request log

    async def serve(
        self, state: SandboxState, request: web.Request, base_url: str
    ) -> web.StreamResponse:
        record = RequestRecord(
            method=request.method.upper(), path=request.path, query=dict(request.query),
            form={}, auth_username=basic_username(request.headers.get("Authorization")),
            media="storage" if request.path.startswith(STORAGE_PREFIX) else "api",
            authorization="Authorization" in request.headers,
            range=request.headers.get("Range"),
        )  # fmt: skip
        started = time.perf_counter()
        try:
            response = await self._answer(state, request, base_url)
            record.status = response.status
            return response
        finally:  # a cut-off transfer is logged too, with no status (as a dropped answer)
            record.duration = time.perf_counter() - started
            if self.log is not None:
                self.log.append(record)

    async def _answer(
        self, state: SandboxState, request: web.Request, base_url: str
    ) -> web.StreamResponse:
        try:
            if request.method != "GET":
                raise TwilioError(405, 20004, "Method not allowed")
            api = _API_MEDIA.match(request.path)
            if api is not None:
                return self._redirect(state, request, api, base_url)
            return await self._storage(state, request)
        except TwilioError as exc:
            return web.json_response(error_body(exc.status, exc.code, exc.message),
                                     status=exc.status, headers=exc.headers)  # fmt: skip

    def _redirect(
        self, state: SandboxState, request: web.Request, found: re.Match[str], base_url: str
    ) -> web.Response:
        self.api_requests.append(request.path)
        principal = resolve(state, request.headers.get("Authorization"))
        if self.throttle > 0:
            self.throttle -= 1
            raise TwilioError(429, 20429, "Too Many Requests", {"Retry-After": "0"})
        with state.lock:
            require_account_access(state, principal, found["ac"])
            recording = state.recordings.get(found["re"])
            if recording is None or recording.account_sid != found["ac"]:
                raise not_found(request.path)
        target = f"{base_url}{STORAGE_PREFIX}{found['ac']}/{found['re']}.{found['ext']}"
        return web.Response(status=302, headers={"Location": target})

    async def _storage(self, state: SandboxState, request: web.Request) -> web.StreamResponse:
        found = _STORAGE.match(request.path)
        hit = StorageHit(request.path, "Authorization" in request.headers,
                         request.headers.get("Range"))  # fmt: skip
        self.storage_hits.append(hit)
        with state.lock:
            recording = state.recordings.get(found["re"]) if found else None
        if found is None or recording is None:
            raise not_found(request.path)
        body = whole = audio_for(recording.sid, recording.channels, found["ext"])
        start, status, headers = 0, 200, {"Accept-Ranges": "bytes"}
        if hit.range:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", hit.range.strip())
            start = int(match[1]) if match else len(body)
            if start >= len(body):
                return web.Response(status=416, headers={"Content-Range": f"bytes */{len(body)}"})
            end = min(int(match[2]), len(body) - 1) if match and match[2] else len(body) - 1
            body = body[: end + 1]
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{len(whole)}"
        part = body[start:]
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self._send(request, status, headers, found["ext"], part)
        finally:
            self.in_flight -= 1

    async def _send(
        self, request: web.Request, status: int, headers: dict[str, str], ext: str, part: bytes
    ) -> web.StreamResponse:
        content = "audio/mpeg" if ext == "mp3" else "audio/x-wav"
        response = web.StreamResponse(status=status, headers={**headers, "Content-Type": content})
        response.content_length = len(part)
        await response.prepare(request)
        cut, self.cut_after = self.cut_after, None
        if cut is not None and cut < len(part):
            await response.write(part[:cut])
            await asyncio.sleep(0.05)  # let the bytes leave before the connection goes
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp abandons the request, as a dropped link
        for at in range(0, len(part), 4096):  # in pieces, as a real transfer arrives
            await response.write(part[at : at + 4096])
            await asyncio.sleep(0)
        await response.write_eof()
        return response
