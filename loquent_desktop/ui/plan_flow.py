"""Show a planned account change, ask for confirmation, and apply it: the one way the UI
changes a customer's Twilio account."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QWidget

from ..domain.plans import Plan
from ..services.plan_runner import PlannedChange, PlanRunner, RunControl
from .dialogs.confirm_plan import ConfirmPlanDialog

T = TypeVar("T")


async def confirm_and_apply(
    parent: QWidget,
    runner: PlanRunner,
    change: PlannedChange[T],
    confirm_text: str = "Apply",
    *,
    on_confirmed: Callable[[Plan], None] | None = None,
    control: RunControl | None = None,
) -> T:
    """The plan dialog, then the runner. Raises PlanCancelled when the user cancels (the
    journal records it and nothing is sent). `on_confirmed` runs between the answer and the
    first request, e.g. to show a progress bar."""

    async def confirm(plan: Plan) -> bool:
        accepted = await ConfirmPlanDialog.ask(parent, plan, confirm_text)
        if accepted and on_confirmed is not None:
            on_confirmed(plan)
        return accepted

    return await runner.apply(change, confirm, control)
