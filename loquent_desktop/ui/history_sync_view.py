"""Sync controls: copy message or call history from Twilio into Loquent (read-only).

Choose messages or calls, all numbers or some, and optionally a start date; Start, Cancel,
and Resume when a run was interrupted (cancelled, failed, or the app was closed or killed).
The progress line is an estimate: Twilio's lists have no total count.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..domain.validation import format_phone
from ..services.history_sync import HistorySyncService, SyncStatus
from ..services.sync_progress import SyncProgress, SyncSummary
from .async_tasks import TaskRunner
from .gil import few_full_collections, gui_keeps_the_gil
from .history_table import local_midnight
from .style import Role, css
from .widgets import error_label, user_text

READ_ONLY = "Read-only: copies history from Twilio into Loquent; nothing on Twilio changes."
BAR_STEPS = 1000
# A run reports ~10 pages a second; the progress line (a word-wrapped label: a relayout of
# the tab each time) shows at most one report per this many ms, the latest.
PROGRESS_EVERY_MS = 250
# How a run ended, for what the view does afterwards.
_DONE, _FAILED = "done", "failed"
_BY_USER = "cancelled"  # the Cancel button
_SWITCHED = "switched"  # another organization was selected: its run keeps its checkpoint
_FROM_OUTSIDE = "outside"  # the app is closing (TaskRunner.cancel_all)


class HistorySyncView(QWidget):
    synced = Signal(str)  # kind: a run ended (rows may have changed)

    def __init__(
        self, sync: HistorySyncService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.sync = sync
        self.tasks = tasks
        self.org_id: int | None = None
        self.status: SyncStatus | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopped_by: str | None = None  # who cancelled the running sync
        self._generation = 0  # of `load`: a slower earlier load must not fill the list

        self.messages_radio = QRadioButton("&Messages")
        self.calls_radio = QRadioButton("C&alls (completed)")
        self.messages_radio.setChecked(True)
        self.kind_group = QButtonGroup(self)
        for button in (self.messages_radio, self.calls_radio):
            self.kind_group.addButton(button)
        self.all_radio = QRadioButton("All &numbers")
        self.selected_radio = QRadioButton("&Selected numbers:")
        self.all_radio.setChecked(True)
        self.scope_group = QButtonGroup(self)
        for button in (self.all_radio, self.selected_radio):
            self.scope_group.addButton(button)
        self.numbers = QListWidget()
        self.numbers.setMaximumHeight(110)
        self.numbers.setEnabled(False)
        self.since_check = QCheckBox("Only since")
        self.since_check.setToolTip(
            "Without a date, the first run reads the whole history and later runs continue "
            "from a day before where the last one ended."
        )
        self.since_date = QDateEdit(QDate.currentDate().addMonths(-3))
        self.since_date.setCalendarPopup(True)
        self.since_date.setDisplayFormat("yyyy-MM-dd")
        self.since_date.setEnabled(False)
        self.start_button = QPushButton("&Start sync")
        self.start_button.setToolTip(READ_ONLY)
        self.resume_button = QPushButton("&Resume")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the current page; Resume continues from there")
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        # Reports that come within PROGRESS_EVERY_MS of the one shown wait here (the latest).
        self._progress_due = QTimer(self)
        self._progress_due.setSingleShot(True)
        self._progress_due.setInterval(PROGRESS_EVERY_MS)
        self._progress_due.timeout.connect(self._show_waiting_progress)
        self._waiting_progress: SyncProgress | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(css(Role.OK))
        self.error = error_label()
        note = QLabel(READ_ONLY)
        note.setStyleSheet(css(Role.MUTED))

        grid = QGridLayout()
        grid.addWidget(QLabel("Sync"), 0, 0)
        grid.addWidget(self.messages_radio, 0, 1)
        grid.addWidget(self.calls_radio, 0, 2)
        grid.addWidget(QLabel("Numbers"), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.all_radio, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.selected_radio, 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.numbers, 1, 3)
        grid.addWidget(self.since_check, 2, 1)
        grid.addWidget(self.since_date, 2, 2)
        grid.setColumnStretch(3, 1)
        buttons = QHBoxLayout()
        for push in (self.start_button, self.resume_button, self.cancel_button):
            # Buttons keep their size whether or not the progress bar is shown beside them.
            push.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            buttons.addWidget(push)
        buttons.addWidget(self.bar, 1)
        buttons.addStretch(0)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)

        self.kind_group.buttonToggled.connect(self._kind_toggled)
        self.selected_radio.toggled.connect(self._update_state)
        self.since_check.toggled.connect(self.since_date.setEnabled)
        self.numbers.itemChanged.connect(self._update_state)
        self.start_button.clicked.connect(lambda: self._launch(resume=False))
        self.resume_button.clicked.connect(lambda: self._launch(resume=True))
        self.cancel_button.clicked.connect(lambda: self.cancel())
        self._update_state()

    # -- what is chosen ------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return "calls" if self.calls_radio.isChecked() else "messages"

    @property
    def running(self) -> bool:
        return self._task is not None

    def chosen_numbers(self) -> list[str] | None:
        """None: all numbers; else the checked ones."""
        if not self.selected_radio.isChecked():
            return None
        items = (self.numbers.item(row) for row in range(self.numbers.count()))
        return [
            i.data(Qt.ItemDataRole.UserRole)
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]

    def since(self) -> datetime | None:
        """The start of the chosen day where the user is; the service reads from the UTC
        day that moment falls on (Twilio's filter is whole UTC days), so never later."""
        if not self.since_check.isChecked():
            return None
        return local_midnight(self.since_date.date().toPython())  # type: ignore[arg-type]

    def _alive(self) -> bool:
        """False once Qt deleted the widget (the window closed while a task awaited)."""
        return shiboken6.isValid(self)

    # -- loading -------------------------------------------------------------------------
    async def load(self, org_id: int | None) -> None:
        """Show `org_id`'s numbers and sync state. A run for another organization is
        cancelled: its checkpoint keeps it resumable."""
        self._generation += 1
        generation = self._generation
        if org_id != self.org_id:
            self.cancel(_SWITCHED)
            self.summary.clear()
            self.error.clear()
            self.progress_label.clear()
            self.bar.setValue(0)
            self.status = None  # the previous organization's: no Resume offered for it here
        self.org_id = org_id
        self.numbers.clear()
        if org_id is None:
            self.status = None
            self._update_state()
            return
        self._update_state()
        numbers = await self.sync.numbers(org_id)
        if not self._alive() or generation != self._generation:
            return  # another load (perhaps of another organization) started meanwhile
        for number in numbers:
            label = format_phone(number.phone_number) + (
                f"  {number.friendly_name}" if number.friendly_name else ""
            )
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, number.phone_number)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.numbers.addItem(item)
        await self.refresh_status()

    async def refresh_status(self) -> None:
        org_id, kind = self.org_id, self.kind
        if org_id is None:
            return
        status = await self.sync.status(org_id, kind)
        if self._alive() and (org_id, kind) == (self.org_id, self.kind):
            self.status = status
            self._update_state()

    def _kind_toggled(self, _button: object, checked: bool) -> None:
        if checked and not self.running:
            self.summary.clear()
            self.tasks.start(self.refresh_status(), "Read sync state", busy=False)

    # -- running -------------------------------------------------------------------------
    def _launch(self, resume: bool) -> None:
        if self.org_id is None or self.running:
            return
        org_id = self.org_id
        self._task = self.tasks.start(
            self.run_sync(resume),
            f"Sync {self.kind}",
            on_error=lambda exc: self._failed(exc, org_id),
        )
        self._update_state()

    def cancel(self, reason: str = _BY_USER) -> None:
        if self._task is not None:
            self._stopped_by = reason
            self._task.cancel()

    async def run_sync(self, resume: bool) -> SyncSummary | None:
        org_id, kind = self.org_id, self.kind
        assert org_id is not None
        # This run's task (set by start before the coroutine first runs). Not
        # asyncio.current_task() in `_ended`: a cancelled run may finish its last step while
        # the qasync loop is between run calls, where current_task() raises.
        own = self._task
        self._stopped_by = None
        self.error.clear()
        self.summary.clear()
        self.bar.setValue(0)
        self.progress_label.setText("Reading the first page from Twilio…")
        ended = _FAILED
        try:
            with gui_keeps_the_gil(), few_full_collections():
                if resume:
                    summary = await self.sync.resume(org_id, kind, progress=self._progress)
                else:
                    summary = await self.sync.start(
                        org_id, kind, self.chosen_numbers(), self.since(), progress=self._progress
                    )
            ended = _DONE
        except asyncio.CancelledError:
            # Nobody here asked: the app is closing (TaskRunner.cancel_all).
            ended = self._stopped_by or _FROM_OUTSIDE
            raise
        finally:
            self._forget_progress()
            self._ended(kind, ended, own)
        if self._alive():
            self.bar.setValue(BAR_STEPS)
            self.progress_label.clear()
            self.summary.setText(summary.text())
        return summary

    def _ended(self, kind: str, how: str, own: asyncio.Task[Any] | None) -> None:
        if not self._alive():
            return
        if self._task is own:
            self._task = None
        if how == _FROM_OUTSIDE:
            # Closing: `cancel_all` has already listed the tasks it waits for, so anything
            # started now could still run once the database is closed. Nothing to show either.
            return
        if how == _SWITCHED:
            # The view shows another organization now: no "Cancelled" under its name, and
            # its own load reads its state. Resume is offered when this one is shown again.
            self._update_state()
            return
        if how == _BY_USER:
            self.progress_label.setText(
                "Cancelled. Everything read so far is saved; Resume continues from there."
            )
        self.synced.emit(kind)
        self.tasks.start(self.refresh_status(), "Read sync state", busy=False)
        self._update_state()

    def _progress(self, progress: SyncProgress) -> None:
        """A report from the run: shown now, or the latest one when its time comes."""
        if not self._alive():
            return
        if self._progress_due.isActive():
            self._waiting_progress = progress
            return
        self._show_progress(progress)
        self._progress_due.start()

    def _show_waiting_progress(self) -> None:
        progress, self._waiting_progress = self._waiting_progress, None
        if progress is not None and self._alive():
            self._show_progress(progress)
            self._progress_due.start()

    def _forget_progress(self) -> None:
        """The run ended: a report still waiting must not cover what the end shows."""
        if self._alive():
            self._progress_due.stop()
        self._waiting_progress = None

    def _show_progress(self, progress: SyncProgress) -> None:
        if progress.fraction is not None:
            self.bar.setValue(round(progress.fraction * BAR_STEPS))
        self.progress_label.setText(f"Reading {progress.scope}: {progress.text()}")

    def _failed(self, exc: BaseException, org_id: int) -> None:
        if not self._alive() or org_id != self.org_id:
            return  # said under another organization's name it would mislead
        self.progress_label.clear()
        self.error.setText(user_text(exc))

    # -- state ---------------------------------------------------------------------------
    def _update_state(self) -> None:
        has_org = self.org_id is not None
        running = self.running
        selected = self.selected_radio.isChecked()
        chosen = self.chosen_numbers()
        for widget in (self.messages_radio, self.calls_radio, self.all_radio, self.selected_radio,
                       self.since_check):  # fmt: skip
            widget.setEnabled(has_org and not running)
        self.since_date.setEnabled(has_org and not running and self.since_check.isChecked())
        self.numbers.setEnabled(has_org and not running and selected)
        self.numbers.setVisible(selected)  # "All numbers": no list to choose from
        self.start_button.setEnabled(has_org and not running and (not selected or bool(chosen)))
        resumable = bool(self.status and self.status.resumable)
        self.start_button.setToolTip(
            READ_ONLY
            + (
                "\nStarts a new run: the interrupted one is not continued (its rows stay)."
                if resumable
                else ""
            )
        )
        self.resume_button.setEnabled(has_org and not running and resumable)
        self.resume_button.setVisible(resumable or running)
        self.cancel_button.setEnabled(running)
        self.bar.setVisible(running or self.bar.value() > 0)
        if not has_org:
            self.state_label.setText("Select an organization on the Credentials tab.")
        elif running:
            self.state_label.setText("")
        elif selected and self.numbers.count() == 0:
            self.state_label.setText(
                "No numbers are imported for this organization yet: import them on the "
                "Numbers tab, or sync all numbers."
            )
        else:
            self.state_label.setText(self.status.text() if self.status else "")
        interrupted = resumable and not running
        self.state_label.setStyleSheet(css(Role.WARN if interrupted else Role.MUTED))
