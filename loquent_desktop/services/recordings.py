"""The recordings capability as the UI sees it: sync (Twilio → database), browse (database
only), download (media → files), SIP trunks' recording, and CSV export of what is shown."""

from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass
from pathlib import Path

from ..domain.recordings import RecordingQuery, RecordingRow
from ..store.database import Database
from ..store.repositories.recordings import RecordingRepository
from .leases import Leases
from .plan_runner import PlanRunner
from .recordings_coverage import RecordingCoverage
from .recordings_download import FolderSaver, RecordingDownloads
from .recordings_sync import RecordingSyncService
from .trunk_recording import TrunkRecordingService
from .twilio_access import TwilioAccess

CSV_HEADER = (
    "Recording SID", "Call SID", "Number", "Contact", "Date (UTC)", "Duration (s)",
    "Channels", "Source", "Status", "Price", "Price unit", "File",
)  # fmt: skip


class RecordingBrowse:
    """Reads the synced recordings (no network)."""

    def __init__(self, recordings: RecordingRepository, downloads: RecordingDownloads) -> None:
        self.recordings = recordings
        self.downloads = downloads

    async def search(self, org_id: int, query: RecordingQuery) -> list[RecordingRow]:
        return await asyncio.to_thread(self.recordings.search, org_id, query)

    async def files(self, org_id: int, rows: list[RecordingRow]) -> dict[str, Path]:
        """The downloaded file of each row that has one."""

        def look() -> dict[str, Path]:
            found = {r.sid: self.downloads.downloaded(org_id, r.recording) for r in rows}
            return {sid: path for sid, path in found.items() if path is not None}

        return await asyncio.to_thread(look)

    async def recorded_calls(self, org_id: int) -> set[str]:
        """Call SIDs with a synced recording (the Calls browser marks them)."""
        return await asyncio.to_thread(self.recordings.call_sids, org_id)

    async def export_csv(self, path: Path, rows: list[RecordingRow], files: dict[str, Path]) -> int:
        def write() -> int:
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(CSV_HEADER)
                for row in rows:
                    r = row.recording
                    writer.writerow((
                        r.sid, r.call_sid or "", row.number or "", row.contact or "",
                        r.when.isoformat() if r.when else "", r.duration or "", r.channels or "",
                        r.recording_source or "", r.status or "", r.price or "",
                        r.price_unit or "", str(files.get(r.sid, "")),
                    ))  # fmt: skip
            return len(rows)

        return await asyncio.to_thread(write)


@dataclass
class RecordingServices:
    sync: RecordingSyncService
    browse: RecordingBrowse
    downloads: RecordingDownloads
    trunks: TrunkRecordingService
    coverage: RecordingCoverage
    plans: PlanRunner

    @classmethod
    def build(
        cls,
        access: TwilioAccess,
        database: Database,
        plans: PlanRunner,
        folder: Path,
        default_voice_url: str,
        *,
        chosen_folder: Path | None = None,
        remember_folder: FolderSaver | None = None,
    ) -> RecordingServices:
        """`folder`: the app's data folder for recordings; `chosen_folder`: where the user
        chose to download them (the settings), kept anew by `remember_folder`."""
        downloads = RecordingDownloads(
            access, database.recordings, folder, chosen=chosen_folder, remember=remember_folder
        )
        return cls(
            sync=RecordingSyncService(
                access,
                database.organizations,
                database.phone_numbers,
                database.messages,
                database.calls,
                database.recordings,
                database.sync_checkpoints,
                Leases(database.leases),
            ),
            browse=RecordingBrowse(database.recordings, downloads),
            downloads=downloads,
            trunks=TrunkRecordingService(access, database.organizations, database.journal),
            coverage=RecordingCoverage(
                access,
                database.organizations,
                database.phone_numbers,
                database.recordings,
                default_voice_url,
            ),
            plans=plans,
        )
