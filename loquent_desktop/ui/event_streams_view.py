"""Event streaming for one organization: where its events go, and the SMS and call streams
(Twilio Event Streams) with their status, Set up… and Remove….

Reading the status never changes the account. Set up and Remove show the plan first and
change nothing on Cancel. One change at a time: the two streams may share one sink, so a
second change waits until the first has landed (and the status is read again).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError, PlanCancelled
from ..domain.event_streams import Access, StreamKind, StreamsOverview
from ..domain.plans import Plan
from ..domain.records import OrganizationRecord
from ..services.event_streams import EventStreamsService, NothingToChange
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .plan_flow import confirm_and_apply
from .stream_box import StreamBox, outcome_text
from .style import Role, css
from .widgets import ErrorLabel, ProgressStrip, user_text

log = logging.getLogger(__name__)

URL_TIP = (
    "Where Twilio delivers this organization's events (https only). Leave empty for the "
    "default. Streams already set up keep their destination until removed and set up again."
)
ACCESS_NOTES = {
    Access.SHARED: (
        "Shared mode: Loquent's shared Twilio account serves several organizations and Event "
        "Streams are account-wide, so Loquent streams that account's events itself. Nothing "
        "to set up here."
    ),
    Access.NOT_CONNECTED: (
        "This organization uses its own Twilio account, which is not connected. Connect it "
        "on the Credentials tab first."
    ),
}

STRANDED_NOTE = (
    "Streams that Loquent set up in the organization's own Twilio account are still there "
    "(below): Twilio keeps sending their events to Loquent until they are removed."
)


class EventStreamsView(QWidget):
    changed = Signal(str)  # the stream kind ("sms" / "calls") set up or removed

    def __init__(
        self,
        streams: EventStreamsService,
        tasks: TaskRunner,
        plans: PlanRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.streams = streams
        self.tasks = tasks
        self.plans = plans
        self.org_id: int | None = None
        self.overview: StreamsOverview | None = None
        self._generation = 0  # bumped on every organization switch: late results are dropped
        self._work: asyncio.Task[None] | None = None
        self._load_task: asyncio.Task[None] | None = None
        self._reading = False

        self.url = QLineEdit()
        self.url.setToolTip(URL_TIP)
        self.url.setClearButtonEnabled(True)
        self.save_url = QPushButton("Save")
        self.save_url.setToolTip("Save the events URL for this organization (local setting)")
        self.url_message = QLabel()
        self.url_message.setTextFormat(Qt.TextFormat.PlainText)
        self.url_message.setWordWrap(True)
        self.url_message.hide()
        url_row = QHBoxLayout()
        url_row.addWidget(QLabel("Events URL:"))
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.save_url)
        hint = QLabel(
            "Where Twilio Event Streams deliver this organization's SMS and call events. "
            "Leave it empty for the default."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(css(Role.MUTED))

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(css(Role.NOTE))
        self.note.hide()
        self.progress = ProgressStrip()
        self.error = ErrorLabel()
        self.boxes = {kind: StreamBox(kind) for kind in StreamKind}
        boxes = QHBoxLayout()
        for box in self.boxes.values():
            boxes.addWidget(box, 1)
        self.others = QLabel()
        self.others.setTextFormat(Qt.TextFormat.PlainText)
        self.others.setWordWrap(True)
        self.others.setStyleSheet(css(Role.MUTED))
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the streams from Twilio again (F5). Read-only.")
        self.refreshed = QLabel()
        self.refreshed.setStyleSheet(css(Role.MUTED))
        self.account = QLabel()
        self.account.setTextFormat(Qt.TextFormat.PlainText)
        self.account.setStyleSheet(css(Role.MUTED))
        bottom = QHBoxLayout()
        bottom.addWidget(self.refresh_button)
        bottom.addWidget(self.account)
        bottom.addStretch(1)
        bottom.addWidget(self.refreshed)

        layout = QVBoxLayout(self)
        layout.addLayout(url_row)
        layout.addWidget(hint)
        layout.addWidget(self.url_message)
        layout.addWidget(self.note)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addLayout(boxes)
        layout.addWidget(self.others)
        layout.addStretch(1)
        layout.addLayout(bottom)

        self.save_url.clicked.connect(self._save_url_clicked)
        self.url.returnPressed.connect(self._save_url_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.progress.cancel_button.clicked.connect(self._cancel_load)
        for kind, box in self.boxes.items():
            box.setup_button.clicked.connect(lambda _=False, k=kind: self._change(k, "setup"))
            box.remove_button.clicked.connect(lambda _=False, k=kind: self._change(k, "remove"))
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.refresh)
        self._show()

    # -- organization and status ----------------------------------------------------------
    def set_organization(self, org: OrganizationRecord | None) -> None:
        """Show `org` (None: nothing selected); reads its status in the background."""
        if org is None or org.id != self.org_id:
            self._switch(org.id if org else None)  # nothing of the previous one stays shown
        if org is not None:
            self._load_task = self.tasks.start_scoped(self.load(org.id), "Read event streams")
        self._show()

    async def load(self, org_id: int) -> None:
        """Read and show the organization's streams; problems are shown, not raised."""
        if org_id != self.org_id:
            self._switch(org_id)
        generation = self._generation
        self.error.clear()
        self._reading = True
        self.progress.cancel_button.show()
        self.progress.start("Reading event streams from Twilio…")
        self._show()
        try:
            overview = await self.streams.status(org_id)
        except LoquentError as exc:
            if generation == self._generation:
                self.error.setText(str(exc))
            return
        except Exception as exc:
            log.error("Reading event streams failed", exc_info=exc)
            if generation == self._generation:
                self.error.setText(user_text(exc))
            return
        finally:
            if shiboken6.isValid(self) and generation == self._generation:
                self._reading = False
                self.progress.finish()
                self._settle()
        if generation != self._generation:
            return  # another organization was selected meanwhile
        if self.overview is not None and self.overview.access is not overview.access:
            # Switched between BYO and Shared: what was done in the other mode is history.
            for box in self.boxes.values():
                box.show_result("", "")
        self.overview = overview
        if not self.url.hasFocus():
            self.url.setText("" if overview.events_url_is_default else overview.events_url)
        self.url.setPlaceholderText(
            f"{overview.events_url} (default)" if overview.events_url_is_default else ""
        )
        self.refreshed.setText(f"Last refreshed {datetime.now():%H:%M:%S}")
        self._show()

    def refresh(self) -> None:
        if self.org_id is not None and not self.busy:
            self._load_task = self.tasks.start_scoped(self.load(self.org_id), "Read event streams")

    def _switch(self, org_id: int | None) -> None:
        self._cancel_load()
        self._generation += 1
        self.org_id = org_id
        self.overview = None
        self.url.clear()
        self._url_said("", "")
        self.refreshed.clear()
        self.error.clear()
        for box in self.boxes.values():
            box.show_result("", "")
            box.error.clear()

    def _settle(self) -> None:
        """The background read (or URL save) is ending: it is no reason to be busy any more."""
        if not shiboken6.isValid(self):
            return
        try:
            current = asyncio.current_task()
        except RuntimeError:
            # A cancelled read's last step may run while the qasync loop is between run
            # calls, where there is no current task: it can only be the read ending.
            current = self._load_task
        if self._load_task is current:
            self._load_task = None
        self._show()

    def _cancel_load(self) -> None:
        task, self._load_task = self._load_task, None
        if task is not None and not task.done():
            task.cancel()
        self._reading = False
        self.progress.finish()

    @property
    def busy(self) -> bool:
        pending = [t for t in (self._work, self._load_task) if t is not None and not t.done()]
        return self._reading or bool(pending)

    def _show(self) -> None:
        overview = self.overview
        idle = not self.busy and overview is not None
        access = overview.access if overview else None
        for kind, box in self.boxes.items():
            box.show_status(overview.stream(kind) if overview else None, access, idle)
        note = ACCESS_NOTES.get(access, "") if access else ""
        if overview is not None and any(
            s is not None and s.from_records for s in (overview.sms, overview.calls)
        ):
            note += " " + STRANDED_NOTE
        self.note.setText(note)
        self.note.setVisible(bool(self.note.text()))
        if self.org_id is None:
            self.note.setText("Select an organization on the Credentials tab.")
            self.note.show()
        has_org = self.org_id is not None
        self.url.setEnabled(has_org and access is not Access.SHARED)
        self.save_url.setEnabled(has_org and access is not Access.SHARED and not self.busy)
        self.refresh_button.setEnabled(has_org and not self.busy)
        self.account.setText(
            f"Twilio account {overview.account} of {overview.organization}"
            if overview and overview.access is Access.BYO
            else ""
        )
        others = overview.other_sinks if overview else ()
        self.others.setText(
            "Other event sinks on this account, left alone by Loquent:\n"
            + "\n".join(f"  {s.describe()}" for s in others)
            if others
            else ""
        )
        self.others.setVisible(bool(others))

    # -- events URL -----------------------------------------------------------------------
    def _save_url_clicked(self) -> None:
        if self.org_id is not None and self.save_url.isEnabled():
            # Counts as a read (busy): Set up must not plan with the URL being replaced.
            self._load_task = self.tasks.start(
                self.save_events_url(self.url.text()), "Save events URL"
            )
            self._show()

    async def save_events_url(self, text: str) -> None:
        org_id = self.org_id
        if org_id is None:
            return
        try:
            await self.streams.set_events_url(org_id, text)
        except LoquentError as exc:  # InvalidInput: not an https address
            if org_id == self.org_id:
                self._url_said(str(exc), css(Role.ERROR))
            return
        finally:
            self._settle()
        if org_id != self.org_id:
            return
        self._url_said("Saved.", css(Role.OK, bold=True))
        await self.load(org_id)

    def _url_said(self, text: str, style: str) -> None:
        self.url_message.setStyleSheet(style)
        self.url_message.setText(text)
        self.url_message.setVisible(bool(text))

    # -- set up and remove ----------------------------------------------------------------
    def _change(self, kind: StreamKind, action: str) -> None:
        if self.org_id is None or self.busy:
            return
        verb = "Set up" if action == "setup" else "Remove"
        # busy=False: most of the time goes to the dialog; the view shows its own progress.
        self._work = self.tasks.start(self.change(kind, action), f"{verb} {kind.label}", busy=False)
        self._show()

    async def change(self, kind: StreamKind, action: str) -> None:
        """Plan, confirm and apply one change ("setup" or "remove"), then read the status."""
        org_id, generation, box = self.org_id, self._generation, self.boxes[kind]
        if org_id is None:
            return
        box.show_result("", "")
        box.error.clear()
        verb = "Set up" if action == "setup" else "Remove"

        def confirmed(plan: Plan) -> None:
            self.progress.cancel_button.hide()  # a change cannot be taken back half-way
            self.progress.start(f"{plan.title}…")

        self.progress.cancel_button.hide()
        self.progress.start(f"Reading {kind.label.lower()} from Twilio…")
        try:
            prepare = (
                self.streams.prepare_setup if action == "setup" else self.streams.prepare_remove
            )
            change = await prepare(org_id, kind)
            self.progress.finish()  # nothing runs while the dialog waits for an answer
            result = await confirm_and_apply(self, self.plans, change, verb, on_confirmed=confirmed)
        except (PlanCancelled, NothingToChange) as exc:
            self._tell(generation, box, str(exc), css(Role.MUTED))
        except LoquentError as exc:
            if generation == self._generation:
                box.show_error(str(exc))
        except Exception as exc:
            log.error("%s %s failed", verb, kind, exc_info=exc)
            if generation == self._generation:
                box.show_error(user_text(exc))
        else:
            self._tell(generation, box, *outcome_text(action, result))
            self.changed.emit(kind.value)
        finally:
            if shiboken6.isValid(self):
                self.progress.finish()
                self._work = None
        if shiboken6.isValid(self) and generation == self._generation:
            await self.load(org_id)

    def _tell(self, generation: int, box: StreamBox, text: str, style: str) -> None:
        if generation == self._generation:
            box.show_result(text, style)
