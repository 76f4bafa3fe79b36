"""Rename… and Release… for the owned numbers view: the selected number, the plan, the
outcome. Both are account changes, so each goes through `plan_flow.confirm_and_apply`
(Cancel sends nothing); Release's plan also asks for the number to be typed.

Kept out of `owned_numbers_view` so the view stays about listing: this module holds the
buttons, the outcome line, the F2 / Del shortcuts and the context menu; the view places them
and decides when the buttons are enabled (`update_care_buttons`, e.g. not while offline).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMenu, QPushButton, QTableView

from ..domain.errors import LoquentError, PlanCancelled
from ..domain.numbers import OwnedNumber
from ..domain.records import OrganizationRecord
from ..services.number_care import CareResult
from .dialogs.rename_number import RenameNumberDialog
from .plan_flow import confirm_and_apply
from .selection import scope_of
from .style import Role, css

if TYPE_CHECKING:
    from .owned_numbers_view import OwnedNumbersView


class NumberCareFlow:
    def __init__(self, view: OwnedNumbersView) -> None:
        self.view = view
        self.busy = False
        self.rename_button = QPushButton("Re&name…")
        self.rename_button.setToolTip(
            "Change the selected number's friendly name on Twilio (F2). Shows the plan first."
        )
        self.release_button = QPushButton("Re&lease…")
        self.release_button.setToolTip(
            "Release the selected number from the account (Delete). Irreversible: shows what "
            "it ends and asks you to type the number first."
        )
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.hide()  # takes room only when it has something to say
        self.rename_button.clicked.connect(self.rename_selected)
        self.release_button.clicked.connect(self.release_selected)

    def attach(self, table: QTableView) -> None:
        """F2 and Del on the table, its context menu, and buttons that follow the selection.
        Only while the table has focus: Del in the filter box must never offer a release."""
        for key, slot in (
            (QKeySequence(Qt.Key.Key_F2), self.rename_selected),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.release_selected),
        ):
            shortcut = QShortcut(key, table, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.selectionModel().selectionChanged.connect(self.view.update_care_buttons)

    @property
    def selected(self) -> OwnedNumber | None:
        rows = self.view.table.selectionModel().selectedRows()
        return self.view.model.item_at(rows[0].row()) if len(rows) == 1 else None

    @property
    def ready(self) -> bool:
        """A number is selected and no rename or release is under way."""
        return self.selected is not None and self.view.org is not None and not self.busy

    def show_result(self, text: str, role: Role) -> None:
        """The outcome of the last rename or release (plain text; empty hides it)."""
        self.result.setStyleSheet(css(role, bold=role is Role.OK))
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def _context_menu(self, pos: QPoint) -> None:
        table = self.view.table
        index = table.indexAt(pos)
        if not index.isValid():
            return
        table.selectRow(index.row())
        menu = QMenu(self.view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        rename = menu.addAction("Rename…\tF2", self.rename_selected)
        rename.setEnabled(self.rename_button.isEnabled())
        release = menu.addAction("Release…\tDel", self.release_selected)
        release.setEnabled(self.release_button.isEnabled())
        menu.popup(table.viewport().mapToGlobal(pos))

    def start(
        self,
        action: Callable[[OrganizationRecord, OwnedNumber], Coroutine[Any, Any, None]],
        name: str,
    ) -> None:
        view = self.view
        org, number = view.org, self.selected
        if org is None or number is None or self.busy or not view.freshness.live:
            return  # (offline: only the last known list is shown; see last_known)
        self.busy = True
        view.update_care_buttons()
        view.error.clear()
        self.show_result("", Role.OK)
        task = view.tasks.start(
            action(org, number),
            name,
            on_error=lambda e: self._failed(org, e),
            busy=False,  # mostly waiting for the user in a dialog
        )
        task.add_done_callback(lambda _t: self._finished())

    def rename_selected(self) -> None:
        self.start(self.rename, "Rename number")

    def release_selected(self) -> None:
        self.start(self.release, "Release number")

    async def rename(self, org: OrganizationRecord, number: OwnedNumber) -> None:
        name = await RenameNumberDialog.ask(
            self.view, number.phone_number, number.friendly_name or ""
        )
        if name is None:
            return  # nothing planned, nothing sent
        change = await self.view.numbers.care.prepare_rename(org.id, number.sid, name)
        result = await confirm_and_apply(self.view, self.view.numbers.plans, change, "Rename")
        self._done(org, result)

    async def release(self, org: OrganizationRecord, number: OwnedNumber) -> None:
        change = await self.view.numbers.care.prepare_release(org.id, number.sid)
        result = await confirm_and_apply(
            self.view, self.view.numbers.plans, change, "Release number"
        )
        self._done(org, result)

    def _done(self, org: OrganizationRecord, result: CareResult) -> None:
        view = self.view
        if not shiboken6.isValid(view):
            return
        if scope_of(view.org) != scope_of(org):
            view.window().statusBar().showMessage(f"{org.name}: {result.message}", 30000)  # type: ignore[attr-defined]
            return
        self.show_result(result.message, Role.OK)
        # What Twilio holds changed: read it again (the journal has the entry already).
        view.invalidate()
        view.refresh()

    def _failed(self, org: OrganizationRecord, exc: BaseException) -> None:
        view = self.view
        if not shiboken6.isValid(view):
            return
        if isinstance(exc, PlanCancelled):
            self.show_result(str(exc), Role.MUTED)
            return
        text = (
            str(exc)
            if isinstance(exc, LoquentError)
            else f"Unexpected error ({type(exc).__name__}); see the log file."
        )
        if scope_of(view.org) != scope_of(org):
            view.window().statusBar().showMessage(f"{org.name}: {text}", 30000)  # type: ignore[attr-defined]
            return
        view.error.setText(text)

    def _finished(self) -> None:
        self.busy = False
        if shiboken6.isValid(self.view):
            self.view.update_care_buttons()
