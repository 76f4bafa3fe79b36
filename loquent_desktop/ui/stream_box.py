"""One event stream's box on the Event streaming page: its status as read from Twilio, the
event types it delivers, Set up… and Remove…, and what the last change did.

Only shows; the page (`event_streams_view`) decides when a change may start and runs it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..domain.event_streams import Access, StreamKind, StreamStatus
from ..domain.validation import mask_sid
from ..services.event_streams import StreamChange
from .style import MONOSPACE, Role, css
from .widgets import ErrorLabel

SETUP_TIP = (
    "Show what will be created in the Twilio account (a webhook sink to the events URL, "
    "reused if one exists, and this stream's subscription), then ask before doing it."
)
REMOVE_TIP = (
    "Show what will be deleted (this stream's subscription, and its sink only if nothing "
    "else uses it), then ask before doing it."
)
BOX_NOTES = {  # the full explanation is above the boxes
    Access.SHARED: "Not available in Shared mode (see above).",
    Access.NOT_CONNECTED: "Connect the organization's Twilio account first (see above).",
}
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
        self.types.setStyleSheet(MONOSPACE)
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
            self.state.setStyleSheet(css(Role.MUTED))
            self.state.setText("Not available" if access is not None else "—")
            self.details.setText(BOX_NOTES.get(access, "") if access else "Status not read yet.")
        elif status.from_records:  # Shared or not connected: shown from Loquent's records
            self.state.setStyleSheet(css(Role.WARN, bold=True))
            self.state.setText("⚠ Still set up in the organization's own account")
            self.details.setText(status.problem or "")
        elif status.problem is not None:
            self.state.setStyleSheet(css(Role.ERROR, bold=True))
            self.state.setText("⚠ Needs attention")
            self.details.setText(
                status.problem + (f"\n{status.elsewhere}" if status.elsewhere else "")
            )
            # Remove… also deletes a sink left with nothing subscribed.
            can_setup = not status.is_set_up and status.elsewhere is None
            can_remove = status.is_set_up or status.sink_sid is not None
        elif status.elsewhere is not None:
            self.state.setStyleSheet(css(Role.MUTED, bold=True))
            self.state.setText("Set up for another organization")
            self.details.setText(status.elsewhere + ELSEWHERE_NOTE)
        elif status.is_set_up:
            self.state.setStyleSheet(css(Role.OK, bold=True))
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
            self.state.setStyleSheet(css(Role.MUTED, bold=True))
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


def outcome_text(action: str, result: StreamChange) -> tuple[str, str]:
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
            css(Role.WARN, bold=True),
        )
    return text, css(Role.WARN, bold=True) if result.warning else css(Role.OK, bold=True)


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
