"""Owned numbers: the account's IncomingPhoneNumbers, who answers each, and whether Loquent
knows it. Read-only on Twilio; Import and Export work locally.

Shared organizations see only the numbers Loquent recorded for them (the shared account holds
other customers' numbers too), and cannot import.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError
from ..domain.numbers import OwnedNumber
from ..domain.records import OrganizationRecord
from ..services.numbers import NumbersService
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .dialogs.import_numbers import ImportNumbersDialog
from .models.owned_numbers_model import NUMBER, OwnedNumbersModel
from .numbers_scope import scope_of
from .widgets import ProgressStrip, error_label, number_table

SHARED_NOTE = (
    "Shared mode: Loquent's account also holds other organizations' numbers; only this "
    "organization's are shown."
)
IMPORT_TIP = "Copy owned numbers into Loquent's database. Nothing changes on Twilio."
SHARED_IMPORT_TIP = (
    "Not available in Shared mode: Loquent's shared account also holds other organizations' "
    "numbers, and importing would assign them to this one. Numbers bought for this "
    "organization are added automatically."
)


class OwnedNumbersView(QWidget):
    loaded = Signal(int)  # number of owned numbers

    def __init__(
        self, numbers: NumbersService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.numbers = numbers
        self.tasks = tasks
        self.org: OrganizationRecord | None = None
        # Bumped by every invalidation; a load that ran without one in between is current.
        self._generation = 0
        self._loaded_generation = -1
        self._load_task: asyncio.Task[None] | None = None

        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the numbers from Twilio again (F5). Read-only.")
        self.import_button = QPushButton("&Import…")
        self.import_button.setToolTip(IMPORT_TIP)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip("Save the numbers shown (the filter applies) as CSV")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by number, name, route, status… (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.refreshed_label = QLabel()
        self.refreshed_label.setStyleSheet("color: #6b6b6b;")

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        info = QHBoxLayout()
        info.addWidget(self.count_label)
        info.addStretch(1)
        info.addWidget(self.refreshed_label)

        self.shared_note = QLabel(SHARED_NOTE)
        self.shared_note.setWordWrap(True)
        self.shared_note.setStyleSheet("color: #1f5fbf;")
        self.shared_note.hide()
        self.progress = ProgressStrip()
        self.error = error_label()
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #6b6b6b; padding: 24px;")

        self.model = OwnedNumbersModel()
        self.table = number_table(self.model, (140, 300, 190, 230, 120, 130, 110), NUMBER)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.shared_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(info)

        self.filter.textChanged.connect(self._filter_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.progress.cancel_button.clicked.connect(self._cancel_load)
        self.import_button.clicked.connect(
            lambda: self.tasks.start(self.import_numbers(), "Import numbers", busy=False)
        )
        self.export_button.clicked.connect(
            lambda: self.tasks.start(
                self.export_csv(), "Export CSV", on_error=self._failed, busy=False
            )
        )
        QShortcut(QKeySequence.StandardKey.Find, self, self.filter.setFocus)
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        self._update_state()

    # -- organization and loading ---------------------------------------------------------
    def set_organization(self, org: OrganizationRecord | None) -> None:
        if scope_of(org) == scope_of(self.org):
            self.org = org  # same organization and account, fresher record (e.g. renamed)
            return
        # Another organization, or the same one on another account/mode/Voice URL: nothing
        # read so far may stay on screen. The tab reloads when it is visible.
        self.org = org
        self.forget()

    def forget(self) -> None:
        """Drop everything read so far (it belongs to an account no longer in use)."""
        self._cancel_load()
        self.invalidate()
        self.filter.clear()  # a filter typed for one organization would hide another's numbers
        self.model.set_numbers([], "", set())
        self.refreshed_label.clear()
        self.error.clear()
        self._update_state()

    def invalidate(self) -> None:
        """What Twilio holds changed (e.g. a purchase): read again before showing it as
        current. A load already running keeps going but no longer counts as fresh."""
        self._generation += 1

    @property
    def stale(self) -> bool:
        """Nothing read yet, or something changed since (or while) it was read."""
        return self._loaded_generation != self._generation

    @property
    def is_shared(self) -> bool:
        return self.org is not None and not self.org.byo_twilio

    def ensure_loaded(self) -> None:
        if self.stale and self.org is not None and self._load_task is None:
            self.refresh()

    def refresh(self) -> None:
        if self.org is None or self._load_task is not None:
            return
        self.refresh_button.setEnabled(False)
        scope = scope_of(self.org)

        def failed(exc: BaseException) -> None:
            if scope == scope_of(self.org):  # an error of a scope left behind is not shown
                self._failed(exc)

        task = self.tasks.start(self.load(), "Load numbers", on_error=failed)
        self._load_task = task
        task.add_done_callback(self._load_finished)

    def _load_finished(self, task: asyncio.Task[None]) -> None:
        if not shiboken6.isValid(self) or task is not self._load_task:
            return  # the window closed, or a cancelled load of a scope left behind
        self._load_task = None
        self.progress.finish()
        self._update_state()
        succeeded = not task.cancelled() and task.exception() is None
        if succeeded and self.stale and self.isVisible():
            self.refresh()  # invalidated while reading: what was read may miss a change

    def _cancel_load(self) -> None:
        """Stop reading at once: the next organization's load may start right away, it does
        not wait for the cancelled task to unwind (its done-callback is then ignored)."""
        task, self._load_task = self._load_task, None
        if task is not None:
            task.cancel()
            self.progress.finish()

    async def load(self) -> None:
        org = self.org
        if org is None:
            return
        scope = scope_of(org)
        generation = self._generation
        self.error.clear()
        self.refresh_button.setEnabled(False)
        self.progress.start(f"Reading {org.name}'s numbers from Twilio…")

        def progress(found: int, checked: int) -> None:
            if self.is_shared:  # the whole shared account is read; its size says little
                self.progress.update_text(
                    f"Reading Loquent's shared account… {checked:,} numbers checked, "
                    f"{found:,} of them {org.name}'s"
                )
            else:
                self.progress.update_text(f"Reading numbers from Twilio… {found:,} so far")

        owned, imported, loquent_url = await asyncio.gather(
            self.numbers.list_owned(org.id, progress),
            self.numbers.imported_sids(org.id),
            self.numbers.loquent_voice_url(org.id),
        )
        if scope_of(self.org) != scope:
            return  # the user switched organization or account meanwhile
        self.model.set_numbers(owned, loquent_url, imported)
        self._loaded_generation = generation
        self.refreshed_label.setText(f"Last refreshed {datetime.now():%H:%M:%S}")
        self.loaded.emit(len(owned))

    def _failed(self, exc: BaseException) -> None:
        text = (
            str(exc)
            if isinstance(exc, LoquentError)
            else (f"Unexpected error ({type(exc).__name__}); see the log file.")
        )
        self.error.setText(text)
        self._update_state()

    # -- filter ---------------------------------------------------------------------------
    def _filter_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._update_state()

    def _update_state(self) -> None:
        total = len(self.model.items)
        shown = self.model.rowCount()
        has_org = self.org is not None
        if not has_org:
            message = "Select an organization on the Credentials tab to see its numbers."
        elif self._load_task is not None and total == 0:
            message = "Reading numbers from Twilio…"
        elif self.error.text() and total == 0:
            message = "The numbers could not be read. Fix the problem above, then Refresh (F5)."
        elif total == 0 and not self.stale and self.is_shared:
            message = (
                "No numbers have been bought for this organization yet. Buy one on the "
                "“Buy a number” tab."
            )
        elif total == 0 and not self.stale:
            message = "This account owns no phone numbers yet. Buy one on the “Buy a number” tab."
        elif shown == 0 and total:
            message = f"No number matches “{self.filter.text()}”."
        else:
            message = ""
        self.empty.setText(message)
        self.empty.setVisible(bool(message))
        self.table.setVisible(not message)
        self.count_label.setText(
            f"{total:,} numbers" if shown == total else f"Showing {shown:,} of {total:,} numbers"
        )
        self.count_label.setVisible(total > 0)
        idle = has_org and self._load_task is None
        self.refresh_button.setEnabled(idle)
        self.import_button.setEnabled(idle and not self.is_shared)
        self.import_button.setToolTip(SHARED_IMPORT_TIP if self.is_shared else IMPORT_TIP)
        self.shared_note.setVisible(self.is_shared)
        self.export_button.setEnabled(shown > 0)
        self.filter.setEnabled(total > 0)

    # -- import and export ----------------------------------------------------------------
    async def import_numbers(self) -> None:
        if self.org is None or self.is_shared:
            return
        dialog = ImportNumbersDialog(self.numbers, self.org, self)
        await answer(dialog)
        imported = dialog.imported_sids
        dialog.deleteLater()
        if imported:
            self.model.mark_imported(imported)
            self._update_state()

    async def export_csv(self) -> None:
        org = self.org
        if org is None:
            return
        dialog = QFileDialog(self, "Export numbers as CSV")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV files (*.csv)")
        dialog.setDefaultSuffix("csv")
        # Names may hold characters no file system accepts ("A/B Clinics").
        safe_name = re.sub(r'[\\/:*?"<>|]+', "-", org.name).strip(" .-") or "numbers"
        dialog.selectFile(f"{safe_name} numbers {datetime.now():%Y-%m-%d}.csv")
        accepted = await answer(dialog)
        files = dialog.selectedFiles()
        dialog.deleteLater()
        if not accepted or not files:
            return
        await self.save_csv(Path(files[0]))

    async def save_csv(self, path: Path) -> bool:
        """Write the rows on screen to `path`; say so in the status bar, or say why not."""
        try:
            count = await self.write_csv(path)
        except OSError as exc:  # permissions, full disk, a folder gone meanwhile
            self.error.setText(f"Could not write {path}: {exc.strerror or exc}")
            return False
        self.error.clear()
        self.window().statusBar().showMessage(  # type: ignore[attr-defined]
            f"Exported {count:,} numbers to {path}", 10000
        )
        return True

    async def write_csv(self, path: Path) -> int:
        rows: list[OwnedNumber] = self.model.visible_items
        return await asyncio.to_thread(
            self.numbers.export_csv, rows, path, self.model.loquent_url, self.model.imported
        )
