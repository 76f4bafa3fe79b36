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

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError
from ..domain.last_known import CHANGES_NEED_LIVE, Freshness
from ..domain.numbers import OwnedNumber
from ..domain.records import OrganizationRecord
from ..services.last_known import LastKnownService
from ..services.numbers import NumbersService
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .dialogs.import_numbers import ImportNumbersDialog
from .file_dialogs import ask_save_path
from .freshness_note import FreshnessNote
from .gil import few_full_collections
from .models.owned_numbers_model import NUMBER, OwnedNumbersModel
from .number_care_flow import NumberCareFlow
from .selection import OrganizationSelection
from .style import Role, css
from .widgets import ProgressStrip, TablePanel, error_label, number_table

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
        self,
        numbers: NumbersService,
        tasks: TaskRunner,
        selection: OrganizationSelection,
        parent: QWidget | None = None,
        *,
        last_known: LastKnownService,
    ) -> None:
        super().__init__(parent)
        self.numbers = numbers
        self.tasks = tasks
        self.selection = selection
        # The list is read through `last_known`: live, or what Loquent last saw when Twilio
        # cannot be reached (then nothing that changes the account is offered).
        self.last_known = last_known
        self.freshness = Freshness()
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
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        # Number care: account changes on the selected number, each through its plan.
        self.care = NumberCareFlow(self)
        self.rename_button, self.release_button = self.care.rename_button, self.care.release_button
        self.care_result = self.care.result
        top.addWidget(self.rename_button)
        top.addWidget(self.release_button)

        self.shared_note = QLabel(SHARED_NOTE)
        self.shared_note.setWordWrap(True)
        self.shared_note.setStyleSheet(css(Role.NOTE))
        self.shared_note.hide()
        self.progress = ProgressStrip()
        self.error = error_label()
        self.offline_note = FreshnessNote()

        self.model = OwnedNumbersModel()
        self.table = number_table(self.model, (140, 300, 190, 230, 120, 130, 110), NUMBER)
        self.panel = TablePanel(self.table)
        self.empty = self.panel.empty
        self.count_label = self.panel.count_label
        self.refreshed_label = self.panel.refreshed_label

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.shared_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.care_result)
        layout.addWidget(self.panel, 1)

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
        self.care.attach(self.table)  # F2, Del, the context menu, the selection
        # Another organization, or the same one on another account/mode/Voice URL: nothing
        # read so far may stay on screen. The tab reloads when it is visible.
        selection.track_scope(self.forget)

    # -- organization and loading ---------------------------------------------------------
    @property
    def org(self) -> OrganizationRecord | None:
        return self.selection.current

    def forget(self) -> None:
        """Drop everything read so far (it belongs to an account no longer in use)."""
        self._cancel_load()
        self.invalidate()
        self.filter.clear()  # a filter typed for one organization would hide another's numbers
        self.model.set_numbers([], "", set())
        self.refreshed_label.clear()
        self.error.clear()
        self.care.show_result("", Role.OK)
        self._show_freshness(Freshness())
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
        # The rows already shown need not be built while the new list is read (the
        # unchanged ones are kept, built or not): reading gets the event loop's turns.
        self.model.pause_building(True)
        self._load_task = self.tasks.start_scoped(
            self.load(), "Load numbers", on_error=self._failed, on_done=self._load_finished
        )

    def _load_finished(self, task: asyncio.Task[None]) -> None:
        if task is not self._load_task:
            return  # a load the user cancelled
        self._load_task = None
        self.model.pause_building(False)
        self.progress.finish()
        self._update_state()
        succeeded = not task.cancelled() and task.exception() is None
        if succeeded and self.stale and self.isVisible() and self.freshness.live:
            # Invalidated while reading: what was read may miss a change. (Offline the
            # last known list stays stale by design: F5 or the next visit tries again.)
            self.refresh()

    def _cancel_load(self) -> None:
        """Stop reading at once: the next load may start right away, it does not wait for
        the cancelled task to unwind (its done-callback is then ignored)."""
        task, self._load_task = self._load_task, None
        if task is not None:
            task.cancel()
            self.model.pause_building(False)
            self.progress.finish()

    async def load(self) -> None:
        org = self.org
        if org is None:
            return
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

        # While the pages' JSON is alive, a full collection walks all of it with the GIL held
        # (25-30 ms each, twice in a 10,000-number read here); after it little is left to walk.
        with few_full_collections():
            reading, imported, loquent_url = await asyncio.gather(
                self.last_known.owned_numbers(org.id, progress),
                self.numbers.imported_sids(org.id),
                self.numbers.loquent_voice_url(org.id),
            )
        # (Another organization or account meanwhile: start_scoped cancelled this read.)
        owned = reading.value
        self.model.set_numbers(owned, loquent_url, imported)
        self._show_freshness(reading.freshness)
        if reading.live:
            self._loaded_generation = generation
            self.panel.mark_refreshed()
        self.loaded.emit(len(owned))

    def _show_freshness(self, freshness: Freshness) -> None:
        """Live, or the last known list with its age (and no account changes offered)."""
        self.freshness = freshness
        self.offline_note.show_freshness(freshness)
        if not freshness.live:
            self.refreshed_label.clear()
        self.update_care_buttons()

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
        count = (
            f"{total:,} numbers" if shown == total else f"Showing {shown:,} of {total:,} numbers"
        )
        self.panel.show_state(message, count if total else "")
        idle = has_org and self._load_task is None
        self.refresh_button.setEnabled(idle)
        self.import_button.setEnabled(idle and not self.is_shared)
        self.import_button.setToolTip(SHARED_IMPORT_TIP if self.is_shared else IMPORT_TIP)
        self.shared_note.setVisible(self.is_shared)
        self.export_button.setEnabled(shown > 0)
        self.filter.setEnabled(total > 0)
        self.update_care_buttons()

    # -- number care (rename, release: see number_care_flow) -----------------------------
    def update_care_buttons(self) -> None:
        ready = self.care.ready
        self.rename_button.setEnabled(ready and self.freshness.live)
        self.release_button.setEnabled(ready and self.freshness.live)
        for button in (self.rename_button, self.release_button):
            live_tip = button.property("live_tip") or button.toolTip()
            button.setProperty("live_tip", live_tip)  # its own tooltip, kept for later
            button.setToolTip(live_tip if self.freshness.live else CHANGES_NEED_LIVE)

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
        # Names may hold characters no file system accepts ("A/B Clinics").
        safe_name = re.sub(r'[\\/:*?"<>|]+', "-", org.name).strip(" .-") or "numbers"
        name = f"{safe_name} numbers {datetime.now():%Y-%m-%d}.csv"
        path = await ask_save_path(self, "Export numbers as CSV", name)
        if path is not None:
            await self.save_csv(path)

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
