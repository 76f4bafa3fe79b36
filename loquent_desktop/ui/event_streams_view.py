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
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError, PlanCancelled
from ..domain.event_streams import Access, StreamKind, StreamsOverview, StreamStatus
from ..domain.records import OrganizationRecord
from ..domain.validation import mask_sid
from ..services.event_streams import EventStreamsService, NothingToChange, StreamChange
from .async_tasks import TaskRunner
from .dialogs.confirm_plan import ConfirmPlanDialog
from .widgets import ERROR_STYLE, ErrorLabel, ProgressStrip, user_text

log = logging.getLogger(__name__)

OK_STYLE = "color: #1b6e3a; font-weight: 600;"
WARN_STYLE = "color: #9a5b00; font-weight: 600;"
MUTED_STYLE = "color: #6b6b6b;"
SETUP_TIP = (
    "Show what will be created in the Twilio account (a webhook sink to the events URL, "
    "reused if one exists, and this stream's subscription), then ask before doing it."
)
REMOVE_TIP = (
    "Show what will be deleted (this stream's subscription, and its sink only if nothing "
    "else uses it), then ask before doing it."
)
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

BOX_NOTES = {  # the full explanation is above the boxes
    Access.SHARED: "Not available in Shared mode (see above).",
    Access.NOT_CONNECTED: "Connect the organization's Twilio account first (see above).",
}
STRANDED_NOTE = (
    "Streams that Loquent set up in the organization's own Twilio account are still there "
    "(below): Twilio keeps sending their events to Loquent until they are removed."
)
ELSEWHERE_NOTE = (
    " Event Streams are account-wide, so Loquent receives these events once; manage them from "
    "that organization."
)


def _short(event_type: str) -> str:
    return event_type.removeprefix("com.twilio.")


class StreamBox(QGroupBox):
    """One stream kind: status, subscribed types, Set up… and Remove…."""

    def __init__(self, kind: StreamKind, parent: QWidget | None = None) -> None:
        super().__init__(kind.label, parent)
        self.kind = kind
        self.status: StreamStatus | None = None
        self.state = QLabel()
        self.details = QLabel()
        self.types = QLabel()
        self.result = QLabel()
        self.error = ErrorLabel()
        for label in (self.state, self.details, self.types, self.result):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.types.setStyleSheet("font-family: monospace; color: #3a3a3a;")
        self.setup_button = QPushButton("Set up…")
        self.setup_button.setToolTip(SETUP_TIP)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip(REMOVE_TIP)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.setup_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        for widget in (self.state, self.details, self.types, self.result, self.error):
            layout.addWidget(widget)
        layout.addStretch(1)  # the two boxes share a row: keep the text at the top
        layout.addLayout(buttons)
        self.show_status(None, None, idle=False)

    def show_status(self, status: StreamStatus | None, access: Access | None, idle: bool) -> None:
        self.status = status
        noun = self.kind.noun
        can_setup = can_remove = False
        self.types.clear()
        if access is None or status is None:
            self.state.setStyleSheet(MUTED_STYLE)
            self.state.setText("Not available" if access is not None else "—")
            self.details.setText(BOX_NOTES.get(access, "") if access else "Status not read yet.")
        elif status.from_records:  # Shared or not connected: shown from Loquent's records
            self.state.setStyleSheet(WARN_STYLE)
            self.state.setText("⚠ Still set up in the organization's own account")
            self.details.setText(status.problem or "")
        elif status.problem is not None:
            self.state.setStyleSheet(ERROR_STYLE + " font-weight: 600;")
            self.state.setText("⚠ Needs attention")
            self.details.setText(
                status.problem + (f"\n{status.elsewhere}" if status.elsewhere else "")
            )
            # Remove… also deletes a sink left with nothing subscribed.
            can_setup = not status.is_set_up and status.elsewhere is None
            can_remove = status.is_set_up or status.sink_sid is not None
        elif status.elsewhere is not None:
            self.state.setStyleSheet(MUTED_STYLE + " font-weight: 600;")
            self.state.setText("Set up for another organization")
            self.details.setText(status.elsewhere + ELSEWHERE_NOTE)
        elif status.is_set_up:
            self.state.setStyleSheet(OK_STYLE)
            self.state.setText("● Active")
            self.details.setText(
                f"Subscription {mask_sid(status.subscription_sid)} on sink "
                f"{mask_sid(status.sink_sid)} ({status.sink_status})\n"
                f"Delivers to {status.destination}"
                + ("" if status.recorded else "\nFound on Twilio; Loquent had no record of it.")
            )
            self.types.setText(
                f"{len(status.types)} event types:\n"
                + "\n".join(f"  {_short(t)}" for t in status.types)
            )
            if status.missing_types:
                self.details.setText(
                    self.details.text()
                    + f"\n{len(status.missing_types)} more event types are available now; "
                    "Set up… adds them."
                )
            can_setup, can_remove = bool(status.missing_types), True
        else:
            self.state.setStyleSheet(MUTED_STYLE + " font-weight: 600;")
            self.state.setText("Not set up")
            self.details.setText(f"Loquent receives no {noun} events from this account.")
            can_setup = True
        self.types.setVisible(bool(self.types.text()))
        complete = status is not None and status.is_active and not status.missing_types
        self.setup_button.setToolTip(
            f"Already set up: Twilio sends every available {noun} event type to Loquent."
            if complete
            else SETUP_TIP
        )
        self.setup_button.setEnabled(idle and can_setup)
        self.remove_button.setEnabled(idle and can_remove)

    def show_result(self, text: str, style: str) -> None:
        self.error.clear()
        self.result.setStyleSheet(style)
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def show_error(self, text: str) -> None:
        self.show_result("", "")
        self.error.setText(text)


class EventStreamsView(QWidget):
    changed = Signal(str)  # the stream kind ("sms" / "calls") set up or removed

    def __init__(
        self, streams: EventStreamsService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.streams = streams
        self.tasks = tasks
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
        hint.setStyleSheet(MUTED_STYLE)

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #1f5fbf;")
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
        self.others.setStyleSheet(MUTED_STYLE)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the streams from Twilio again (F5). Read-only.")
        self.refreshed = QLabel()
        self.refreshed.setStyleSheet(MUTED_STYLE)
        self.account = QLabel()
        self.account.setTextFormat(Qt.TextFormat.PlainText)
        self.account.setStyleSheet(MUTED_STYLE)
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
            self._load_task = self.tasks.start(self.load(org.id), "Read event streams")
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
            self._load_task = self.tasks.start(self.load(self.org_id), "Read event streams")

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
                self._url_said(str(exc), ERROR_STYLE)
            return
        finally:
            self._settle()
        if org_id != self.org_id:
            return
        self._url_said("Saved.", OK_STYLE)
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

        async def confirm(plan):  # type: ignore[no-untyped-def]
            self.progress.finish()  # nothing runs while the dialog waits for an answer
            accepted = await ConfirmPlanDialog.ask(self, plan, verb)
            if accepted:
                self.progress.cancel_button.hide()  # a change cannot be taken back half-way
                self.progress.start(f"{plan.title}…")
            return accepted

        self.progress.cancel_button.hide()
        self.progress.start(f"Reading {kind.label.lower()} from Twilio…")
        try:
            run = self.streams.setup if action == "setup" else self.streams.remove
            result = await run(org_id, kind, confirm)
        except (PlanCancelled, NothingToChange) as exc:
            self._tell(generation, box, str(exc), MUTED_STYLE)
        except LoquentError as exc:
            if generation == self._generation:
                box.show_error(str(exc))
        except Exception as exc:
            log.error("%s %s failed", verb, kind, exc_info=exc)
            if generation == self._generation:
                box.show_error(user_text(exc))
        else:
            self._tell(generation, box, *_outcome(action, result))
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


def _outcome(action: str, result: StreamChange) -> tuple[str, str]:
    if action == "setup":
        text = (
            f"Set up: subscription {mask_sid(result.subscription_sid)} sends "
            f"{len(result.types)} event types to sink {mask_sid(result.sink_sid)}"
            + (" (new)." if result.sink_created else ".")
        )
    else:
        text = _removed(result)
    if result.store_error:
        return (
            f"{text} Twilio changed, but Loquent's database could not record it "
            f"({result.store_error}); Refresh shows the account as it is.",
            WARN_STYLE,
        )
    return text, WARN_STYLE if result.warning else OK_STYLE


def _removed(result: StreamChange) -> str:
    """What a removal did, as it happened (a sink already gone is not "still in use")."""
    noun, sink = result.kind.noun, mask_sid(result.sink_sid)
    if result.subscription_sid is None:  # only a sink left with nothing subscribed
        if result.sink_gone:
            return f"The leftover {noun} events sink {sink} was already gone from Twilio."
        return f"Deleted the leftover {noun} events sink {sink}."
    text = f"Removed {noun} event streaming"
    if result.subscription_gone:
        text += " (its subscription was already gone from Twilio)"
    if result.sink_deleted:
        return f"{text}; its sink was deleted too."
    if result.sink_gone:
        return f"{text}; its sink {sink} was already gone from Twilio (deleted elsewhere)."
    if result.sink_sid and result.warning:  # the warning says what became of the sink
        return f"{text}. {result.warning}"
    if result.sink_sid:
        return f"{text}; its sink stays (still in use)."
    return f"{text}."
