"""Voice routing tab: point imported numbers at Loquent, restore them, and see why.

The table shows each imported number's live routing (read fresh from Twilio), the detail
panel every field, the saved previous configuration and the number's history. Configure and
Restore work on the selection (one number or many) through one plan dialog each; progress
and per-number outcomes show below the table, and Stop ends a long run between numbers.
One such run (plan, confirm, apply, outcome) is a `voice_run.RoutingRun`.
"""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSignalBlocker, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.last_known import CHANGES_NEED_LIVE, Freshness
from ..domain.monitor_events import NumberChanges
from ..domain.records import OrganizationRecord
from ..domain.voice_routing import NumberRouting
from ..services.last_known import LastKnownService
from ..services.number_changes import NumberChangesService
from ..services.plan_runner import PlanRunner
from ..services.voice_routing import VoiceRoutingService
from .async_tasks import TaskRunner
from .freshness_note import FreshnessNote, seen_title
from .gil import gui_keeps_the_gil
from .models.voice_numbers_model import NUMBER, WIDTHS, VoiceNumbersModel
from .selection import OrganizationSelection, Scope
from .style import Role, css
from .voice_details import VoiceDetails
from .voice_run import RoutingRun
from .widgets import (
    ProgressStrip,
    TablePanel,
    error_label,
    number_table,
    scrollable,
    user_text,
)

SHARED_NOTE = (
    "Shared mode: numbers on Loquent's shared account get Loquent's Voice URL when they are "
    "bought, so configure and restore are for organizations with their own Twilio account."
)
CONFIGURE_TIP = (
    "Send inbound calls of the selected numbers to Loquent (Ctrl+Enter). Shows exactly what "
    "changes before anything is sent, and saves the previous configuration first."
)
RESTORE_TIP = "Put back the saved previous voice configuration of the selected numbers."
CHANGES_OFFLINE = "Who changed this number on Twilio can be read once Twilio can be reached."


class VoiceTab(QWidget):
    def __init__(
        self,
        voice: VoiceRoutingService,
        tasks: TaskRunner,
        plans: PlanRunner,
        selection: OrganizationSelection,
        parent: QWidget | None = None,
        *,
        last_known: LastKnownService,
        changes: NumberChangesService,
    ) -> None:
        super().__init__(parent)
        self.voice = voice
        # Reads go through `last_known`: live from Twilio, or what Loquent last saw when
        # Twilio cannot be reached (then nothing that changes the account is offered).
        self.last_known = last_known
        self.changes = changes
        self.freshness = Freshness()
        self.plans = plans
        self.tasks = tasks
        self.selection = selection
        self._load_task: asyncio.Task[None] | None = None
        self._apply_task: asyncio.Task[None] | None = None
        self._run: RoutingRun | None = None
        self._loaded_scope: Scope | None = None

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by number, name, route… (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the live configuration from Twilio again (F5)")
        self.configure_button = QPushButton("Point at &Loquent…")
        self.configure_button.setToolTip(CONFIGURE_TIP)
        self.restore_button = QPushButton("Re&store previous…")
        self.restore_button.setToolTip(RESTORE_TIP)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.configure_button)
        top.addWidget(self.restore_button)

        self.shared_note = QLabel(SHARED_NOTE)
        self.shared_note.setWordWrap(True)
        self.shared_note.setStyleSheet(css(Role.NOTE))
        self.progress = ProgressStrip()
        self.error = error_label()
        self.offline_note = FreshnessNote()
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)

        self.model = VoiceNumbersModel()
        self.table = number_table(self.model, WIDTHS, NUMBER)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)  # one line a number; the detail panel has it all
        self.details = VoiceDetails()
        self.panel = TablePanel(self.table)
        self.empty = self.panel.empty
        self.count_label = self.panel.count_label
        self.refreshed_label = self.panel.refreshed_label

        splitter = QSplitter()
        splitter.addWidget(self.panel)
        # The details scroll on their own: a small window keeps the table's full height.
        splitter.addWidget(scrollable(self.details))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        # The table's first four columns (number, who answers, Loquent, saved) fit its share
        # of a 1024 px window; the details take the rest and give way first.
        splitter.setSizes([sum(WIDTHS[:4]) + 24, 380])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.shared_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.result_label)
        layout.addWidget(splitter, 1)

        self.filter.textChanged.connect(self._filter_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.configure_button.clicked.connect(lambda: self.start_apply(configure=True))
        self.restore_button.clicked.connect(lambda: self.start_apply(configure=False))
        self.progress.cancel_button.clicked.connect(self.stop)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        QShortcut(QKeySequence.StandardKey.Find, self, self.filter.setFocus)
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        QShortcut(QKeySequence("Ctrl+Return"), self, lambda: self.start_apply(configure=True))
        selection.track_scope(self._scope_changed)

    # -- organization and loading ---------------------------------------------------------
    @property
    def org(self) -> OrganizationRecord | None:
        return self.selection.current

    def _scope_changed(self) -> None:
        """Another organization or account: nothing read so far may stay on screen."""
        self._loaded_scope = None
        if self._load_task is not None:
            self._load_task.cancel()
            self._load_task = None
        self.filter.clear()
        self.model.set_items([])
        self.details.show_number(None)
        self.error.clear()
        self._show_freshness(Freshness())
        self.result_label.clear()
        self.refreshed_label.clear()
        self._update_state()
        if self.isVisible():
            self.ensure_loaded()

    @property
    def is_shared(self) -> bool:
        return self.org is not None and not self.org.byo_twilio

    @property
    def busy(self) -> bool:
        return self._load_task is not None or self._apply_task is not None

    def ensure_loaded(self) -> None:
        if self.org is not None and self._loaded_scope != self.selection.scope:
            self.refresh()

    def refresh(self) -> None:
        if self.org is None or self._load_task is not None:
            return
        self._load_task = self.tasks.start_scoped(
            self.load(),
            "Read voice configuration",
            on_error=self._failed,
            on_done=self._load_finished,
        )
        self._update_state()

    def _load_finished(self, task: asyncio.Task[None]) -> None:
        if task is not self._load_task:
            return
        self._load_task = None
        self.progress.finish()
        self._update_state()

    async def load(self) -> None:
        org = self.org
        if org is None:
            return
        scope = self.selection.scope
        self.error.clear()
        self.progress.start(f"Reading the live voice configuration of {org.name}'s numbers…")
        self.progress.cancel_button.hide()
        selected = set(self.selected_sids())
        with gui_keeps_the_gil():
            reading = await self.last_known.voice_overview(org.id)
        # (Another organization or account meanwhile: start_scoped cancelled this read.)
        self.model.set_items(reading.value)
        self._loaded_scope = scope
        self._show_freshness(reading.freshness)
        if reading.live:
            self.panel.mark_refreshed()
        self._reselect(selected)
        self._update_state()

    def _reselect(self, sids: set[str]) -> None:
        """Select the rows of `sids` in one go: one selection change, not one per row
        (thousands of rows selected row by row would take minutes)."""
        rows = [r for r in range(self.model.rowCount()) if self.model.item_at(r).sid in sids]
        last_column = self.model.columnCount() - 1
        wanted = QItemSelection()
        # Consecutive rows as one range each: "all 1,000 selected" is a single range.
        for first, last in _runs(rows):
            wanted.select(self.model.index(first, 0), self.model.index(last, last_column))
        selection = self.table.selectionModel()
        with QSignalBlocker(selection):
            selection.select(wanted, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.table.viewport().update()
        self._selection_changed()

    def _show_freshness(self, freshness: Freshness) -> None:
        """Live, or the last known state with its age (and no account changes offered)."""
        self.freshness = freshness
        self.offline_note.show_freshness(freshness)
        self.details.live.setTitle(seen_title(freshness))
        if not freshness.live:
            self.refreshed_label.clear()

    def _failed(self, exc: BaseException, scope: object = None) -> None:
        if scope is not None and scope != self.selection.scope:
            return  # an error of an organization no longer shown
        self.error.setText(user_text(exc))
        self._update_state()

    # -- selection and details ------------------------------------------------------------
    def selected(self) -> list[NumberRouting]:
        # Row ranges, not selectedRows(): that builds an index per cell of every selected
        # row, tens of ms with a thousand numbers selected.
        rows: set[int] = set()
        spans = self.table.selectionModel().selection()
        for i in range(spans.count()):
            rows.update(range(spans.at(i).top(), spans.at(i).bottom() + 1))
        return [self.model.item_at(r) for r in sorted(rows)]

    def selected_sids(self) -> list[str]:
        return [n.sid for n in self.selected()]

    def select_sids(self, sids: list[str]) -> None:
        self._reselect(set(sids))

    def _selection_changed(
        self, _selected: QItemSelection | None = None, _deselected: QItemSelection | None = None
    ) -> None:
        chosen = self.selected()
        current = chosen[0] if len(chosen) == 1 else None
        self.details.show_number(current)
        if current is not None and self.org is not None:
            self.tasks.start_scoped(
                self._load_history(self.org.id, current.sid), "Read history", busy=False
            )
            if self.freshness.live:
                self.details.changes.reading()
                self.tasks.start_scoped(
                    self._load_changes(self.org.id, current.sid),
                    "Read changes on Twilio",
                    busy=False,
                )
            else:  # Twilio's change log cannot be read either
                self.details.show_changes(NumberChanges(current.sid, problem=CHANGES_OFFLINE))
        self._update_state(chosen)

    async def _load_history(self, org_id: int, sid: str) -> None:
        events = await self.voice.history(org_id, sid)
        chosen = self.selected()
        if len(chosen) == 1 and chosen[0].sid == sid:  # (another organization: cancelled)
            self.details.show_history(events)

    async def _load_changes(self, org_id: int, sid: str) -> None:
        changes = await self.changes.changes(org_id, sid)
        self.details.show_changes(changes)  # (it ignores a number no longer shown)

    # -- configure / restore --------------------------------------------------------------
    def start_apply(self, configure: bool) -> None:
        if self.org is None or self.busy or self.is_shared or not self.selected():
            return
        if not self.freshness.live:  # (Ctrl+Enter too) only on what Twilio says now
            return
        scope = self.selection.scope
        self._apply_task = self.tasks.start(
            self.apply(configure),
            "Voice routing",
            on_error=lambda exc: self._failed(exc, scope),
            busy=False,
        )
        self._apply_task.add_done_callback(self._apply_finished)
        self._update_state()

    def _apply_finished(self, task: asyncio.Task[None]) -> None:
        if not shiboken6.isValid(self) or task is not self._apply_task:
            return
        self._apply_task = None
        self._run = None
        self.progress.finish()
        self._update_state()

    async def apply(self, configure: bool) -> None:
        org = self.org
        sids = self.selected_sids()
        if org is None or not sids:
            return
        self.error.clear()
        scope = self.selection.scope
        self._run = RoutingRun(self, self.voice, self.plans, self.progress, self.result_label)
        result = await self._run.run(org.id, sids, configure, lambda: self.selection.scope == scope)
        if result is not None and shiboken6.isValid(self) and self.selection.scope == scope:
            self._loaded_scope = None
            self.refresh()

    def stop(self) -> None:
        if self._run is not None:
            self._run.stop()

    # -- state ----------------------------------------------------------------------------
    def _filter_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._update_state()

    def _update_state(self, chosen: list[NumberRouting] | None = None) -> None:
        total, shown = len(self.model.items), self.model.rowCount()
        if self.org is None:
            message = "Select an organization on the Credentials tab."
        elif self._load_task is not None and total == 0:
            message = "Reading the voice configuration from Twilio…"
        elif self.error.text() and total == 0:
            message = (
                "The configuration could not be read. Fix the problem above, then Refresh (F5)."
            )
        elif total == 0 and self._loaded_scope is not None:
            message = (
                "No numbers are imported for this organization yet. Import them on the "
                "Numbers tab (read-only), then route them here."
            )
        elif shown == 0 and total:
            message = f"No number matches “{self.filter.text()}”."
        else:
            message = ""
        count = (
            f"{total:,} imported numbers" if shown == total else f"Showing {shown:,} of {total:,}"
        )
        self.panel.show_state(message, count if total else "")
        if chosen is None:
            chosen = self.selected() if total else []
        live = self.freshness.live
        can_act = bool(chosen) and not self.busy and not self.is_shared and live
        self.configure_button.setToolTip(CONFIGURE_TIP if live else CHANGES_NEED_LIVE)
        self.restore_button.setToolTip(RESTORE_TIP if live else CHANGES_NEED_LIVE)
        self.configure_button.setEnabled(can_act and any(n.live is not None for n in chosen))
        self.restore_button.setEnabled(can_act and any(n.has_snapshot for n in chosen))
        self.refresh_button.setEnabled(self.org is not None and self._load_task is None)
        self.shared_note.setVisible(self.is_shared)
        self.filter.setEnabled(total > 0)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> [(1, 3), (7, 8)] (rows sorted ascending)."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
