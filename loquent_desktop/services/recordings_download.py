"""Downloading recording media on demand and in bulk, into the app's data folder or a
folder the user picked ("Download to…", kept in the settings).

A file is fetched into `NAME.part` and renamed to its final name (atomically, `os.replace`)
only once its size matches what Twilio announced; a finished file is never fetched again.
A cancelled or cut-off download leaves the `.part`, and the next run continues it with an
HTTP Range request. Downloads of one account share a small concurrency cap (Twilio throttles
media per account and answers 429 beyond it; the gateway backs off). Progress reports bytes,
rate and time left. Files are named by the recording's date (`2026-11-24_101502_RE….wav`),
so a folder sorted by name is sorted by date. A recording already downloaded into the other
folder (before the user picked a new one) is copied on disk, not fetched again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.errors import LoquentError, TwilioApiError
from ..domain.recordings import FORMATS, RecordingRecord, file_name
from ..store.repositories.recordings import RecordingRepository
from .twilio_access import TwilioAccess

CONCURRENCY = 3  # media requests at once per account


@dataclass(frozen=True)
class DownloadProgress:
    files_done: int
    files_total: int
    bytes_done: int  # this run's bytes (a resumed file counts from where it continued)
    rate_bps: float
    seconds_left: float | None  # None until a rate and the sizes are known

    def text(self) -> str:
        rate = f"{self.rate_bps / 1024:,.0f} KB/s"
        left = "" if self.seconds_left is None else f", about {self.seconds_left:,.0f} s left"
        return f"{self.files_done} of {self.files_total} files, {rate}{left}"


@dataclass
class DownloadResult:
    downloaded: list[Path] = field(default_factory=list)
    already_there: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # sid -> why

    def text(self) -> str:
        parts = [f"{len(self.downloaded)} downloaded"]
        if self.already_there:
            parts.append(f"{len(self.already_there)} already downloaded")
        if self.failed:
            parts.append(f"{len(self.failed)} failed (run again to resume)")
        return ", ".join(parts) + "."


Progress = Callable[[DownloadProgress], None]


FolderSaver = Callable[[Path | None], None]


class RecordingDownloads:
    def __init__(
        self, access: TwilioAccess, recordings: RecordingRepository, folder: Path,
        concurrency: int = CONCURRENCY, *, chosen: Path | None = None,
        remember: FolderSaver | None = None,
    ) -> None:  # fmt: skip
        """`folder`: the app's data folder for recordings; `chosen`: the folder the user
        picked, if any; `remember`: keeps a new choice (the settings file)."""
        self.access = access
        self.recordings = recordings
        self.folder = folder
        self.chosen = chosen
        self.remember = remember
        self.concurrency = concurrency
        self._caps: dict[str, asyncio.Semaphore] = {}

    async def choose_folder(self, folder: Path | None) -> None:
        """Download into `folder` from now on (None: the app's data folder), remembered."""
        if folder is not None:
            folder = folder.expanduser().resolve()
            if not await asyncio.to_thread(os.access, folder, os.W_OK | os.X_OK):
                raise LoquentError(f"Recordings cannot be saved in {folder}: it cannot be "
                                   "written to. Choose another folder.")  # fmt: skip
        self.chosen = folder
        if self.remember is not None:
            await asyncio.to_thread(self.remember, folder)

    def app_folder_for(self, org_id: int) -> Path:
        return self.folder / f"organization-{org_id}"

    def folder_for(self, org_id: int) -> Path:
        """Where new downloads of the organization go."""
        return self.chosen if self.chosen is not None else self.app_folder_for(org_id)

    def path_for(self, org_id: int, record: RecordingRecord, fmt: str) -> Path:
        return self.folder_for(org_id) / file_name(record.when, record.sid, fmt)

    def _found(self, org_id: int, record: RecordingRecord, fmt: str) -> Path | None:
        """The finished `fmt` file: in the current folder, else the app's data folder."""
        name = file_name(record.when, record.sid, fmt)
        for folder in dict.fromkeys((self.folder_for(org_id), self.app_folder_for(org_id))):
            if (folder / name).exists():
                return folder / name
        return None

    def downloaded(self, org_id: int, record: RecordingRecord) -> Path | None:
        """The finished file of a recording, WAV preferred, or None."""
        for fmt in FORMATS:
            path = self._found(org_id, record, fmt)
            if path is not None:
                return path
        return None

    async def download(
        self, org_id: int, sids: Sequence[str], fmt: str, progress: Progress | None = None
    ) -> DownloadResult:
        """Fetch the media of `sids` as `fmt` ("wav" / "mp3"). Cancel stops every transfer;
        partial files stay and are continued next time."""
        if fmt not in FORMATS:
            raise LoquentError(f"Choose one of {', '.join(FORMATS)}.")
        records = await asyncio.to_thread(
            lambda: [r for s in sids if (r := self.recordings.get(org_id, s)) is not None]
        )
        account, _ = await self.access.account_for(org_id)
        cap = self._caps.setdefault(account.sid, asyncio.Semaphore(self.concurrency))
        folder = self.folder_for(org_id)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        result = DownloadResult()
        started = time.monotonic()
        moved: dict[str, int] = {}
        sizes: dict[str, int] = {}
        todo = []
        for record in records:
            final = self.path_for(org_id, record, fmt)
            found = await asyncio.to_thread(self._found, org_id, record, fmt)
            if found is not None and found != final:
                await asyncio.to_thread(_copy, found, final)  # on disk, not fetched again
                found = final
            if found is not None:
                result.already_there.append(final)  # never fetched again
            else:
                todo.append((record, final))

        def report() -> None:
            if progress is None:
                return
            elapsed = max(time.monotonic() - started, 1e-6)
            done = sum(moved.values())
            rate = done / elapsed
            known = [sizes[s] - moved.get(s, 0) for s in sizes]
            unknown = len(todo) - len(sizes)
            average = (sum(sizes.values()) / len(sizes)) if sizes else None
            left = None
            if rate > 0 and average is not None:
                left = (sum(known) + unknown * average) / rate
            finished = len(result.downloaded) + len(result.already_there)
            progress(DownloadProgress(finished, len(records), done, rate, left))

        async def one(record: RecordingRecord, final: Path) -> None:
            part = final.with_name(final.name + ".part")
            gateway = account.recording_media
            base = part.stat().st_size if part.exists() else 0

            def on_bytes(have: int, total: int | None) -> None:
                moved[record.sid] = have - base
                if total is not None:
                    sizes[record.sid] = total - base
                report()

            async with cap:
                try:
                    await gateway.download(record.sid, fmt, part, on_bytes)
                except TwilioApiError as exc:
                    result.failed[record.sid] = str(exc)
                    return
            await asyncio.to_thread(os.replace, part, final)
            result.downloaded.append(final)
            report()

        await asyncio.gather(*(one(record, final) for record, final in todo))
        report()
        return result


def _copy(source: Path, final: Path) -> None:
    """Copy a finished file into place atomically (a `.part`, then a rename)."""
    part = final.with_name(final.name + ".part")
    shutil.copyfile(source, part)
    os.replace(part, final)
