"""One Configure or Restore run of the Voice routing tab: plan, confirm, apply, outcome.

The tab owns the table and the selection; this owns what happens once a button is pressed:
reading the selected numbers fresh, the plan dialog, progress with a Stop between numbers,
and the per-number outcome under the table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import shiboken6
from PySide6.QtWidgets import QLabel, QWidget

from ..domain.errors import PlanCancelled
from ..domain.plans import Plan
from ..domain.validation import format_phone
from ..services.plan_runner import PlanRunner, RunControl
from ..services.voice_routing import CONFIGURE, RoutingResult, VoiceRoutingService
from .dialogs.message import inform
from .gil import gui_keeps_the_gil
from .plan_flow import confirm_and_apply
from .style import Role
from .style import colour as role_colour
from .widgets import ProgressStrip

MAX_LISTED = 8  # per-number problems listed under the table; the journal has them all
STOP_TIP = "Stop after the numbers already under way (Esc); a re-run does the rest"


class RoutingRun:
    """Runs one configure/restore of `sids`; `stop()` ends it between numbers."""

    def __init__(
        self,
        parent: QWidget,
        voice: VoiceRoutingService,
        runner: PlanRunner,
        progress: ProgressStrip,
        result_label: QLabel,
    ) -> None:
        self.parent = parent
        self.voice = voice
        self.runner = runner
        self.progress = progress
        self.result_label = result_label
        self._stop: asyncio.Event | None = None  # once there is a plan to stop

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self.progress.update_text("Stopping after the numbers under way…")

    async def run(
        self, org_id: int, sids: list[str], configure: bool, still_shown: Callable[[], bool]
    ) -> RoutingResult | None:
        """The run's result, or None when nothing was sent (nothing to change, cancelled,
        or the user moved to another organization while the numbers were read)."""
        self.result_label.clear()
        self.progress.start("Reading the selected numbers from Twilio…")
        self.progress.cancel_button.hide()
        prepare = self.voice.prepare_configure if configure else self.voice.prepare_restore
        with gui_keeps_the_gil():  # a worker thread builds a big plan meanwhile
            change = await prepare(org_id, sids)
        plan = change.plan
        self.progress.finish()
        if not still_shown():
            return None  # the user moved to another organization while the numbers were read
        if not change.sends_anything:
            await inform(self.parent, plan.title, "Nothing to change.\n\n" + "\n".join(plan.notes))
            return None
        confirm_text = "Point at Loquent" if plan.action == CONFIGURE else "Restore"
        total = len(change.steps)

        def confirmed(_plan: Plan) -> None:
            self.progress.start(f"{plan.title}… 0 of {total}")
            self.progress.cancel_button.setText("Stop")
            self.progress.cancel_button.setToolTip(STOP_TIP)
            self.progress.cancel_button.show()

        def progress(done: int, total: int) -> None:
            if shiboken6.isValid(self.progress):
                self.progress.update_text(f"{plan.title}… {done} of {total}")

        control = RunControl(progress)
        self._stop = control.stop
        try:
            with gui_keeps_the_gil():  # workers journal and record while the window paints
                result = await confirm_and_apply(
                    self.parent,
                    self.runner,
                    change,
                    confirm_text,
                    on_confirmed=confirmed,
                    control=control,
                )
        except PlanCancelled:
            if still_shown():
                self.result_label.setStyleSheet("")
                self.result_label.setText("Cancelled: nothing was sent to Twilio.")
            return None
        finally:
            if shiboken6.isValid(self.progress):
                self.progress.cancel_button.setText("Cancel")
        if shiboken6.isValid(self.result_label) and still_shown():
            self.show_result(result)
        return result

    def show_result(self, result: RoutingResult) -> None:
        text, colour = result_text(result)
        self.result_label.setText(text)
        self.result_label.setStyleSheet(f"color: {colour};")


def result_text(result: RoutingResult) -> tuple[str, str]:
    """What the tab says about a finished run, and in which colour."""
    lines = [result.describe() + "."]
    problems = [o for o in result.outcomes.values() if o.get("error")]
    for outcome in problems[:MAX_LISTED]:
        lines.append(f"{format_phone(outcome['phone_number'])}: {outcome['error']}")
    if len(problems) > MAX_LISTED:
        lines.append(f"… and {len(problems) - MAX_LISTED} more (see the History tab).")
    if result.needs_rerun:
        lines.append("Run it again on the same numbers to finish what is left.")
    colour = role_colour(Role.ERROR if result.needs_rerun else Role.OK).name()
    return "\n".join(lines), colour
