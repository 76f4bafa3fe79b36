"""The Recordings page: sync the account's recordings (read-only on Twilio, resumable),
browse them with filters and search, export what is shown, download the audio (WAV or MP3,
resumable, never twice) into the app's folder or one the user picks, and play a downloaded
file."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError
from ..domain.recordings import SOURCES, RecordingQuery, RecordingRow
from ..services.recordings import RecordingServices
from ..services.recordings_download import DownloadProgress, DownloadResult
from ..services.sync_progress import SyncProgress
from .async_tasks import TaskRunner
from .file_dialogs import ask_save_path
from .player import Player
from .recordings_folder import DownloadFolder
from .recordings_model import RecordingsModel
from .style import Role, css

KIND = "recordings"


def _day(edit: QDateEdit) -> date:
    picked = edit.date()
    return date(picked.year(), picked.month(), picked.day())


def _within(row: RecordingRow, first: date | None, last: date | None) -> bool:
    when = row.recording.when
    if first is None and last is None:
        return True
    if when is None:
        return False
    day = when.astimezone().date()
    return (first is None or day >= first) and (last is None or day <= last)


class RecordingsView(QWidget):
    changed = Signal()  # rows were (re)loaded

    def __init__(
        self,
        services: RecordingServices,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        auto_sync: bool = False,
    ) -> None:
        """`auto_sync`: sync an organization's recordings the first time they are shown
        with none synced yet (the sandbox's demo, so it opens with something to see)."""
        super().__init__(parent)
        self.services, self.tasks = services, tasks
        self.auto_sync = auto_sync
        self._auto_synced: set[int] = set()
        self.org_id: int | None = None
        self.syncing = False
        self.downloading: asyncio.Task[DownloadResult] | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._cancel_asked = False  # the user pressed Cancel (not a change of scope)
        self.all_rows: list[RecordingRow] = []

        self.sync_button = QPushButton("Sync recordings")
        self.resume_button = QPushButton("Resume")
        self.cancel_sync = QPushButton("Cancel")
        self.sync_status = QLabel("")
        self.sync_status.setTextFormat(Qt.TextFormat.PlainText)
        self.sync_status.setWordWrap(True)
        sync_row = QHBoxLayout()
        for button in (self.sync_button, self.resume_button, self.cancel_sync):
            sync_row.addWidget(button)
        sync_row.addWidget(self.sync_status, 1)

        self.number = QComboBox()
        # Wide enough for a formatted number ("+1 415-900-0137"); it is filled after a read.
        self.number.setMinimumContentsLength(16)
        self.number.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.source = QComboBox()
        self.source.addItem("Any source", None)
        for source in SOURCES:
            self.source.addItem(source, source)
        # Dates where the user is: a recording's local day, from and to inclusive.
        self.from_check, self.to_check = QCheckBox("From"), QCheckBox("To")
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        for edit, days in ((self.date_from, -30), (self.date_to, 0)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate.currentDate().addDays(days))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search number, contact, SID…")
        self.search.setClearButtonEnabled(True)
        self.export_button = QPushButton("Export CSV…")
        filter_row = QHBoxLayout()
        for label, combo in (("Number", self.number), ("Source", self.source)):
            filter_row.addWidget(QLabel(label))
            filter_row.addWidget(combo)
        for check, edit in ((self.from_check, self.date_from), (self.to_check, self.date_to)):
            filter_row.addWidget(check)
            filter_row.addWidget(edit)
            check.toggled.connect(lambda _on: self._refilter())
            edit.dateChanged.connect(lambda _d: self._refilter())
        filter_row.addWidget(self.search, 1)
        filter_row.addWidget(self.export_button)

        self.model = RecordingsModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel("")

        self.format = QComboBox()
        self.format.addItem("WAV", "wav")
        self.format.addItem("MP3", "mp3")
        self.download_selected = QPushButton("Download selected")
        self.download_all = QPushButton("Download all shown")
        self.cancel_download = QPushButton("Cancel download")
        self.download_status = QLabel("")
        self.download_status.setTextFormat(Qt.TextFormat.PlainText)
        download_row = QHBoxLayout()
        download_row.addWidget(self.format)
        for button in (self.download_selected, self.download_all, self.cancel_download):
            download_row.addWidget(button)
        download_row.addWidget(self.download_status, 1)
        self.folder = DownloadFolder(services.downloads, tasks)
        self.player = Player()

        layout = QVBoxLayout(self)
        layout.addLayout(sync_row)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addLayout(download_row)
        layout.addWidget(self.folder)
        layout.addWidget(self.player)

        self.sync_button.clicked.connect(lambda: self._start_sync(resume=False))
        self.resume_button.clicked.connect(lambda: self._start_sync(resume=True))
        self.cancel_sync.clicked.connect(self._cancel_sync)
        self.number.currentIndexChanged.connect(lambda _i: self._refilter())
        self.source.currentIndexChanged.connect(lambda _i: self._refilter())
        self.search.textChanged.connect(self._search)
        self.export_button.clicked.connect(self._export_clicked)
        self.download_selected.clicked.connect(lambda: self._start_download(self.selected_sids()))
        self.download_all.clicked.connect(lambda: self._start_download(self.shown_sids()))
        self.cancel_download.clicked.connect(self._cancel_download)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.folder.changed.connect(
            lambda: self.tasks.start_scoped(self._reread_files(), "Read downloaded files")
        )
        self._buttons()

    # -- loading -------------------------------------------------------------------------
    async def load(self, org_id: int | None) -> None:
        """Read sync state and the synced recordings of `org_id` (database only)."""
        self.org_id = org_id
        self.folder.set_org(org_id)
        if org_id is None:
            self.all_rows = []
            self.model.set_rows([], {})
            self.sync_status.setText("Select an organization on the Credentials tab.")
            self._buttons()
            return
        status = await self.services.sync.status(org_id, KIND)
        self.sync_status.setText(status.text())
        self.resume_button.setEnabled(status.resumable)
        first = status.synced_through is None and not (status.resumable or status.running)
        if self.auto_sync and first and org_id not in self._auto_synced:
            self._auto_synced.add(org_id)  # once: a failed sync must not repeat itself
            await self.sync()  # reloads when done
            return
        await self.refresh()

    async def refresh(self) -> None:
        if self.org_id is None:
            return
        rows = await self.services.browse.search(self.org_id, RecordingQuery())
        files = await self.services.browse.files(self.org_id, rows)
        self.all_rows = rows
        numbers = sorted({r.number for r in rows if r.number})
        current = self.number.currentData()
        self.number.blockSignals(True)
        self.number.clear()
        self.number.addItem("Any number", None)
        for n in numbers:
            self.number.addItem(n, n)
        self.number.setCurrentIndex(max(0, self.number.findData(current)))
        self.number.blockSignals(False)
        self._refilter(files)

    def _refilter(self, files: dict[str, Path] | None = None) -> None:
        number, source = self.number.currentData(), self.source.currentData()
        first = _day(self.date_from) if self.from_check.isChecked() else None
        last = _day(self.date_to) if self.to_check.isChecked() else None
        rows = [
            r for r in self.all_rows
            if (number is None or r.number == number)
            and (source is None or r.recording.recording_source == source)
            and _within(r, first, last)
        ]  # fmt: skip
        self.model.set_rows(rows, self.model.files if files is None else files)
        if len(rows) <= 2000:  # measuring every row of a large table would stall the window
            self.table.resizeColumnsToContents()
        self._counted()
        self._buttons()
        self.changed.emit()

    def _search(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._counted()

    def _counted(self) -> None:
        shown, total = self.proxy.rowCount(), len(self.all_rows)
        self.count.setText(f"{shown} of {total} recordings shown")

    def shown_sids(self) -> list[str]:
        return [
            str(self.proxy.index(row, 0).data(Qt.ItemDataRole.UserRole))
            for row in range(self.proxy.rowCount())
        ]

    def selected_sids(self) -> list[str]:
        rows = self.table.selectionModel().selectedRows()
        return [str(index.data(Qt.ItemDataRole.UserRole)) for index in rows]

    def _selected(self) -> None:
        sids = self.selected_sids()
        path = self.model.files.get(sids[0]) if sids else None
        row = next((r for r in self.model.rows if sids and r.sid == sids[0]), None)
        if path != self.player.path:  # a re-read of the files must not stop the playback
            self.player.set_file(path, row.recording.channels if row is not None else None)
        self._buttons()

    def _buttons(self) -> None:
        has_org = self.org_id is not None
        self.sync_button.setEnabled(has_org and not self.syncing)
        self.cancel_sync.setEnabled(self.syncing)
        if self.syncing or not has_org:
            self.resume_button.setEnabled(False)
        idle = self.downloading is None
        self.download_selected.setEnabled(has_org and idle and bool(self.selected_sids()))
        self.download_all.setEnabled(has_org and idle and self.proxy.rowCount() > 0)
        self.cancel_download.setEnabled(not idle)
        self.export_button.setEnabled(self.proxy.rowCount() > 0)

    # -- sync ----------------------------------------------------------------------------
    def _start_sync(self, resume: bool) -> None:
        self._sync_task = self.tasks.start(self.sync(resume), "Sync recordings", busy=False)

    def _cancel_sync(self) -> None:
        if self._sync_task is not None:
            self._cancel_asked = True
            self._sync_task.cancel()

    async def sync(self, resume: bool = False) -> None:
        """Run (or resume) a recordings sync, showing its progress; reload afterwards."""
        if self.org_id is None:
            return
        org_id = self.org_id
        self.syncing = True
        self._buttons()
        self.sync_status.setStyleSheet(css(Role.NOTE))
        self.sync_status.setText("Syncing recordings…")

        def progress(p: SyncProgress) -> None:
            self.sync_status.setText(p.text())

        role, text = Role.OK, ""
        try:
            run = self.services.sync.resume if resume else self.services.sync.start
            summary = await run(org_id, KIND, progress=progress)
            c = summary.counts
            text = (
                f"Recordings synced in {summary.elapsed_s:.1f} s: {c.new} new, {c.updated} "
                f"updated, {c.skipped} unchanged."
            )
        except asyncio.CancelledError:
            if not self._cancel_asked:
                raise  # the scope changed: nothing more for this organization
            role, text = Role.WARN, "Cancelled. Everything read so far is saved; Resume continues."
        except LoquentError as exc:
            role, text = Role.ERROR, str(exc)
        finally:
            self.syncing = False
            self._sync_task = None
            self._cancel_asked = False
        if self.org_id == org_id:
            await self.load(org_id)
            # The outcome, not the idle status `load` wrote.
            self.sync_status.setStyleSheet(css(role))
            self.sync_status.setText(text)

    # -- downloads -----------------------------------------------------------------------
    def _start_download(self, sids: list[str]) -> None:
        if sids:
            self.tasks.start(self.download(sids, str(self.format.currentData())),
                             "Download recordings", busy=False)  # fmt: skip

    def _cancel_download(self) -> None:
        if self.downloading is not None:
            self.downloading.cancel()

    async def download(self, sids: list[str], fmt: str) -> DownloadResult | None:
        """Download `sids` as `fmt`, with progress; cancel keeps partial files."""
        if self.org_id is None:
            return None
        org_id = self.org_id

        def progress(p: DownloadProgress) -> None:
            self.download_status.setText(p.text())

        self.downloading = asyncio.ensure_future(
            self.services.downloads.download(org_id, sids, fmt, progress)
        )
        self._buttons()
        try:
            result = await self.downloading
        except asyncio.CancelledError:
            self.download_status.setText("Download cancelled; it resumes where it stopped.")
            return None
        finally:
            self.downloading = None
            self._buttons()
        if self.org_id == org_id:
            # The table learns its new files before the outcome is announced: whoever reads
            # "downloaded" (a user, a test) finds them there.
            await self._reread_files()
        self.download_status.setText(result.text())
        self.download_status.setStyleSheet(css(Role.WARN if result.failed else Role.OK))
        return result

    async def _reread_files(self) -> None:
        """Which rows have a downloaded file (after a download, or a change of folder)."""
        if self.org_id is not None:
            self.model.set_files(await self.services.browse.files(self.org_id, self.model.rows))
            self._selected()

    # -- export --------------------------------------------------------------------------
    def _export_clicked(self) -> None:
        self.tasks.start(self._ask_and_export(), "Export recordings", busy=False)

    async def _ask_and_export(self) -> None:
        name = f"recordings {datetime.now():%Y-%m-%d}.csv"
        path = await ask_save_path(self, "Export recordings", name)
        if path is not None:
            await self.export(path)

    async def export(self, path: Path) -> int:
        """Write the rows shown (filters and search applied) to `path`."""
        shown = set(self.shown_sids())
        rows = [r for r in self.model.rows if r.sid in shown]
        return await self.services.browse.export_csv(path, rows, self.model.files)
