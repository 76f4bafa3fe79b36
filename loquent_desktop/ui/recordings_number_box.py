""" "Is this number recorded?" for the number selected on the Voice routing tab: what decides
recording for it today (its SIP trunk's mode, Loquent's endpoint with Loquent's own setting,
another platform's TwiML, or nobody), from its live voice configuration.

A section of the Voice routing detail panel, so the answer sits next to the Voice URL that
decides it: replacing a Voice URL can silently change whether calls are recorded. The same
rule drives the Recordings tab's "Is this number recorded?" page
(`services.recordings_coverage`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from ..domain.errors import LoquentError
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import NumberRouting
from ..services.recordings_coverage import NumberRecording, RecordingCoverage
from .async_tasks import TaskRunner
from .selection import OrganizationSelection
from .style import Role, css

_ROLES = {True: Role.OK, False: Role.MUTED, None: Role.WARN}  # records: yes / no / may


class NumberRecordingBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recording", parent)
        self.coverage: RecordingCoverage | None = None
        self.tasks: TaskRunner | None = None
        self.selection: OrganizationSelection | None = None
        self.number_sid: str | None = None
        self.answer: NumberRecording | None = None
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self.setToolTip(
            "What decides whether this number's calls are recorded: a SIP trunk, Loquent's "
            "endpoint (with Loquent's recording setting, on the Recordings tab), or the TwiML "
            "of another platform's Voice URL"
        )
        self.hide()

    def attach(
        self, coverage: RecordingCoverage, tasks: TaskRunner, selection: OrganizationSelection
    ) -> None:
        self.coverage, self.tasks, self.selection = coverage, tasks, selection

    def show_number(self, number: NumberRouting | None) -> None:
        self.number_sid = number.sid if number is not None else None
        self.answer = None
        org = self.selection.current if self.selection is not None else None
        live = number.live if number is not None else None
        if number is None or live is None or org is None or self.tasks is None:
            self.hide()
            return
        self.show()
        known = self.coverage.answer_now(org, number.phone_number, live) if self.coverage else None
        if known is not None:  # nothing to read (no trunk, the setting known): no task
            self._show(known)
            return
        self.text.setText("Reading what records this number…")
        self.text.setStyleSheet(css(Role.MUTED))
        sid = number.sid
        self.tasks.start_scoped(
            self._read(org.id, sid, number.phone_number, live),
            "Read who records this number",
            busy=False,
            # Said here, in the box: a side note must not take over the tab's outcome line.
            on_error=lambda exc: self._failed(sid, exc),
        )

    def _failed(self, sid: str, exc: BaseException) -> None:
        if self.number_sid == sid:
            why = str(exc) if isinstance(exc, LoquentError) else "see the log file"
            self.text.setText(f"What records this number cannot be read now ({why}).")
            self.text.setStyleSheet(css(Role.WARN))

    async def _read(self, org_id: int, sid: str, phone_number: str, live: VoiceConfig) -> None:
        assert self.coverage is not None
        answer = await self.coverage.for_number(org_id, phone_number, live)
        if self.number_sid == sid:  # (not if another number was selected meanwhile)
            self._show(answer)

    def _show(self, answer: NumberRecording) -> None:
        self.answer = answer
        self.text.setText(answer.text)
        self.text.setStyleSheet(css(_ROLES[answer.records]))
