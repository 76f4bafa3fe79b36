"""Before an organization leaves its own Twilio account (switch to Shared, Disconnect): say
what Loquent leaves on that account and offer, in one plan, to restore the numbers and
remove the event streams first, or to leave them (said plainly), or to stay as it is.

`ask_leave` returns whether the caller may go ahead with the switch or the disconnect. Any
restore or removal is an account change of the usual shape: the plan dialog, PlanRunner,
the journal; Cancel there sends nothing and leaves the organization as it was.
"""

from __future__ import annotations

import html
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ..domain.errors import PlanCancelled
from ..services.leaving_byo import LeavingByoService
from ..services.leaving_byo_plans import Leaving, WhatStays, stays_text
from ..services.plan_runner import PlanRunner
from .dialogs.awaitable import answer
from .dialogs.message import inform
from .plan_flow import confirm_and_apply


class Choice(Enum):
    CANCEL = "cancel"
    LEAVE = "leave"  # go ahead and leave everything as it is on the account
    CLEAN_UP = "clean up"  # restore and remove first, in one plan


UNDO_BUTTON = "Restore and remove first…"


async def ask_choice(
    parent: QWidget, title: str, intro: str, stays: WhatStays, leaving: Leaving, action: str
) -> Choice:
    """The question: `intro`, what stays, and the buttons (Cancel is the default)."""
    text = intro
    if stays.anything:
        text += "\n\n" + stays_text(stays, leaving)
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    box.setObjectName("leave-byo")
    box.setTextFormat(Qt.TextFormat.PlainText)  # names are user text
    undo = box.addButton(UNDO_BUTTON, QMessageBox.ButtonRole.ActionRole) if stays.undoable else None
    leave_text = f"{action} and leave them" if stays.anything else action
    leave = box.addButton(leave_text, QMessageBox.ButtonRole.AcceptRole)
    if undo is not None:
        undo.setToolTip("Shows one plan to confirm; the switch happens only if it succeeds")
    leave.setToolTip(
        "Changes nothing on Twilio" + (": what is listed stays as it is" if stays.anything else "")
    )
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    await answer(box)
    clicked = box.clickedButton()
    box.deleteLater()
    if undo is not None and clicked is undo:
        return Choice.CLEAN_UP
    return Choice.LEAVE if clicked is leave else Choice.CANCEL


async def ask_leave(
    parent: QWidget,
    service: LeavingByoService | None,
    runner: PlanRunner | None,
    org_id: int,
    title: str,
    intro: str,
    leaving: Leaving,
    action: str,
) -> bool:
    """True: go ahead with the switch or disconnect (after a successful clean-up, or with
    everything left as it is). False: the organization stays as it is."""
    if service is None or runner is None:  # a window built without them: ask plainly
        stays = WhatStays("", "", False, (), (), ())
    else:
        stays = await service.what_stays(org_id)
    choice = await ask_choice(parent, title, intro, stays, leaving, action)
    if choice is not Choice.CLEAN_UP or service is None or runner is None:
        return choice is Choice.LEAVE
    change = await service.prepare(org_id, leaving)
    try:
        result = await confirm_and_apply(parent, runner, change, "Restore and remove")
    except PlanCancelled:
        return False
    if result.complete:
        return True
    _, error = result.grade()
    await inform(
        parent,
        title,
        "Not everything could be restored or removed, so the organization stays BYO: "
        f"{error or 'see the Journal tab'}.\n\nLook at Voice routing and Sync → Event "
        f"streaming, then try again, or {leaving.verb} and leave the rest.",
    )
    return False


async def note_kept(status: QLabel, service: LeavingByoService, org_id: int) -> None:
    """A Shared organization that left its own account with saved configurations: add to
    its status (rich text) where they are and how to restore them."""
    stays = await service.what_stays(org_id)
    if not stays.restorable:
        return
    n = len(stays.restorable)
    note = html.escape(
        f"{n} number{'s' if n != 1 else ''} of its own account keep a saved voice "
        "configuration in Loquent's database: switch back to BYO (and connect) to restore "
        "them on Voice routing."
    )
    if note not in status.text():  # the status may be shown twice while this read ran
        status.setText(f"{status.text()}<br>{note}")
