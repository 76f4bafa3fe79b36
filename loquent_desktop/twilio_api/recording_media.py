"""Recording media (`…/Recordings/{RE}.wav|.mp3`): fetched with aiohttp, resumable.

Twilio answers the authenticated request on its api host with a redirect to its media
storage (a signed URL on another host). Credentials go to the api host only: the redirect
is followed by hand, with no Authorization header, and only to https (or plain http on this
machine, where the sandbox and a local recorder live, as `routing.check_target` allows).
A partial file is continued with an HTTP Range request; 429 is retried with the
account's retry policy (honouring Retry-After), which tests set to zero delays.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from twilio.rest import Client

from ..domain.errors import TwilioApiError
from .retry import RetryPolicy, wait_at_least

# The same loopback rule as routing targets: plain http only to this machine.
from .routing import HostRouting, _is_loopback

API_HOST = "https://api.twilio.com"
CHUNK = 64 * 1024
ByteProgress = Callable[[int, int | None], None]  # (bytes on disk, total or None)


class MediaError(TwilioApiError):
    """The media could not be fetched completely; the partial file stays for a resume."""


class RecordingMediaGateway:
    def __init__(self, client: Client) -> None:
        self._account_sid = str(client.account_sid)
        pair = f"{client.username}:{client.password}".encode()
        # One header, sent by hand to the api host only (never handed to aiohttp's auth,
        # which would travel with a same-origin redirect).
        self._authorization = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        self._http = client.http_client
        self._routing: HostRouting = getattr(self._http, "routing", HostRouting())
        self._retry: RetryPolicy = getattr(self._http, "retry", RetryPolicy())

    def media_url(self, sid: str, fmt: str) -> str:
        """Twilio's own address of the media (before host routing)."""
        return f"{API_HOST}/2010-04-01/Accounts/{self._account_sid}/Recordings/{sid}.{fmt}"

    def _session(self) -> aiohttp.ClientSession:
        session = getattr(self._http, "session", None)
        if not isinstance(session, aiohttp.ClientSession):
            raise MediaError("No HTTP session for recording media.", status=0, kind="connection")
        return session

    async def storage_url(self, sid: str, fmt: str) -> str:
        """Ask Twilio (with credentials) where the media is; never follows the redirect
        itself, so the credentials cannot travel with it."""
        url = self._routing.rewrite(self.media_url(sid, fmt))
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._session().get(
                    url, headers=self._authorization, allow_redirects=False
                ) as response:
                    status = response.status
                    location = response.headers.get("Location")
                    retry_after = response.headers.get("Retry-After")
            except aiohttp.ClientError as exc:
                status, location, retry_after = None, None, None
                if not self._retry.should_retry("GET", None, attempt):
                    raise MediaError(f"Twilio could not be reached ({exc}).", status=0,
                                     kind="connection") from exc  # fmt: skip
            if status in (301, 302, 303, 307, 308) and location:
                return _checked(location)
            if status is not None and not self._retry.should_retry("GET", status, attempt):
                raise MediaError(f"Twilio answered {status} for recording {sid}.",
                                 status=status, kind="http")  # fmt: skip
            await wait_at_least(self._retry.delay(attempt, retry_after))

    async def download(self, sid: str, fmt: str, part: Path, progress: ByteProgress) -> int:
        """Fetch the media into `part`, continuing from the bytes already there. Returns
        the complete size; raises MediaError (the partial file stays) when cut short."""
        location = await self.storage_url(sid, fmt)
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            # auth=None and no Authorization header: media storage never gets credentials.
            async with self._session().get(location, headers=headers) as response:
                total = _total(response, have)
                if response.status == 416 and total == have:
                    return have  # already complete
                if response.status == 200:
                    have = 0  # the server ignored the range: start over
                elif response.status != 206:
                    raise MediaError(f"Media storage answered {response.status}.",
                                     status=response.status, kind="http")  # fmt: skip
                # Written on the loop: recordings are small (a minute of WAV is ~1 MB) and
                # each 64 KB write is a page-cache copy, well under a frame's time.
                with part.open("r+b" if have else "wb") as out:
                    out.seek(have)
                    out.truncate()
                    async for chunk in response.content.iter_chunked(CHUNK):
                        out.write(chunk)
                        have += len(chunk)
                        progress(have, total)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise MediaError(f"The download of {sid} was cut off after {have} bytes.",
                             status=0, kind="connection") from exc  # fmt: skip
        if total is not None and have != total:
            raise MediaError(f"{sid}: {have} bytes arrived, {total} expected.",
                             status=0, kind="malformed")  # fmt: skip
        return have


def _checked(location: str) -> str:
    parts = urlsplit(location)
    host = parts.hostname or ""
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return location
    raise MediaError("Twilio redirected the media to an address that is not https.",
                     status=0, kind="malformed")  # fmt: skip


def _total(response: aiohttp.ClientResponse, have: int) -> int | None:
    """The complete size: from Content-Range (206, 416) or Content-Length (200)."""
    found = re.search(r"/(\d+)$", response.headers.get("Content-Range", ""))
    if found:
        return int(found[1])
    if response.status == 200 and response.content_length is not None:
        return response.content_length
    return None
