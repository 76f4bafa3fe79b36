"""The confirmation dialog for every change to a customer's Twilio account.

It states exactly what will change (resource, field, before → after), what it costs and who
else is affected, in plain words. Cancel is the default button: Enter or Esc sends nothing.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...domain.plans import Plan
from ..style import Role, span
from .awaitable import answer

WRAP_LIMIT = 40  # change rows measured and wrapped; past this, one line each
LABEL_LIMIT = 20  # consequence lines shown as labels; past this, one document


def _warning_html(text: str) -> str:
    return span(Role.ERROR, f"&#9888; <b>{html.escape(text)}</b>", escape=False)


def _affected_html(text: str) -> str:
    if text.startswith("Nobody"):
        return f"<b>Also affected:</b> {html.escape(text)}"
    return span(Role.WARN, f"&#9888; <b>Also affected:</b> {html.escape(text)}", escape=False)


def _consequences_html(plan: Plan) -> str:
    parts = [f"<p>{_warning_html(w)}</p>" for w in plan.warnings]
    parts += [f"<p>{_affected_html(a)}</p>" for a in plan.affected]
    parts += [f"<p>{html.escape(n)}</p>" for n in plan.notes]
    return "".join(parts)


def typed_matches(typed: str, expected: str) -> bool:
    """Whether `typed` is `expected` as people type a phone number: spaces, dashes, dots and
    brackets do not count, and the leading + may be left out."""

    def norm(text: str) -> str:
        return re.sub(r"[\s\-.()]", "", text).removeprefix("+").casefold()

    return bool(norm(expected)) and norm(typed) == norm(expected)


def _shown(value: str | None, empty: str) -> str:
    return empty if value in (None, "") else str(value)


class ConfirmPlanDialog(QDialog):
    def __init__(self, plan: Plan, confirm_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(plan.title)
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)

        heading = QLabel(f"<b>{html.escape(plan.title)}</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        account = QLabel(
            f"Twilio account of {plan.organization} ({plan.account}). This will change:"
        )
        account.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(account)

        # QTableWidget: a plan has a handful of rows, or a few thousand for a bulk change.
        # Measuring every row (word wrap, fit-to-contents) costs seconds at that size, so a
        # big plan gets single-line rows (the tooltip has the whole text).
        big = len(plan.changes) > WRAP_LIMIT
        self.changes = QTableWidget(len(plan.changes), 4)
        self.changes.setHorizontalHeaderLabels(["What", "Setting", "Now", "After"])
        self.changes.verticalHeader().hide()
        self.changes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.changes.setWordWrap(not big)
        for row, change in enumerate(plan.changes):
            cells = [
                change.resource,
                change.field,
                _shown(change.before, "(new)" if change.before is None else "(not set)"),
                _shown(change.after, "(cleared)"),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.changes.setItem(row, col, item)
        header = self.changes.horizontalHeader()
        # What and Setting are short; Now and After share the rest (URLs wrap in them).
        if big:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            self.changes.setColumnWidth(0, 190)
            self.changes.setColumnWidth(1, 130)
        else:
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        if big:
            rows = self.changes.verticalHeader().defaultSectionSize() * len(plan.changes)
        else:
            self.changes.resizeRowsToContents()
            rows = sum(self.changes.rowHeight(r) for r in range(len(plan.changes)))
        # A bulk plan may list hundreds of rows: past a screenful, the table scrolls.
        height = self.changes.horizontalHeader().height() + rows + 6
        self.changes.setFixedHeight(min(height, 380))
        layout.addWidget(self.changes)

        # Warnings, cost, who else is affected and notes: one per number in a bulk plan, so
        # past a screenful they scroll instead of pushing the buttons off the screen. A few
        # are labels; many are one rich-text document (a thousand labels take a second to
        # lay out).
        self.cost = QLabel(f"<b>Cost:</b> {html.escape(plan.cost)}")
        self.cost.setWordWrap(True)
        lines = len(plan.warnings) + len(plan.affected) + len(plan.notes)
        if lines > LABEL_LIMIT:
            layout.addWidget(self.cost)
            self.consequences = QTextBrowser()
            self.consequences.setHtml(_consequences_html(plan))
            self.consequences.setMinimumHeight(220)
            layout.addWidget(self.consequences, 1)
        else:
            layout.addWidget(self._consequence_labels(plan), 1)

        # Overwriting someone else's recent change takes a deliberate tick, not just Enter.
        self.acknowledge: QCheckBox | None = None
        if plan.acknowledge:
            self.acknowledge = QCheckBox(plan.acknowledge)
            layout.addWidget(self.acknowledge)

        # An irreversible change takes typing what it destroys, not just Enter or a tick.
        self.typed: QLineEdit | None = None
        if plan.type_to_confirm:
            prompt = QLabel(f"To confirm, type {plan.type_to_confirm}:")
            prompt.setTextFormat(Qt.TextFormat.PlainText)
            self.typed = QLineEdit()
            self.typed.setPlaceholderText(plan.type_to_confirm)
            self.typed.setAccessibleName(f"Type {plan.type_to_confirm} to confirm")
            prompt.setBuddy(self.typed)
            layout.addWidget(prompt)
            layout.addWidget(self.typed)

        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = buttons.addButton(
            confirm_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        if self.acknowledge is not None or self.typed is not None:
            self.confirm_button.setEnabled(False)
        if self.acknowledge is not None:
            self.acknowledge.toggled.connect(self._update_confirm)
        if self.typed is not None:
            self.typed.textChanged.connect(self._update_confirm)
            self.typed.setFocus()  # where the user has to start; Enter still means Cancel
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _update_confirm(self) -> None:
        ticked = self.acknowledge is None or self.acknowledge.isChecked()
        typed = self.typed is None or typed_matches(
            self.typed.text(), self.plan.type_to_confirm or ""
        )
        self.confirm_button.setEnabled(ticked and typed)

    def _consequence_labels(self, plan: Plan) -> QScrollArea:
        consequences = QWidget()
        column = QVBoxLayout(consequences)
        column.setContentsMargins(0, 0, 0, 0)
        for warning in plan.warnings:
            label = QLabel(_warning_html(warning))
            label.setWordWrap(True)
            label.setToolTip(warning)
            column.addWidget(label)
        column.addWidget(self.cost)
        for affected in plan.affected:
            column.addWidget(self._warning(affected))
        for note in plan.notes:
            label = QLabel(note)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            column.addWidget(label)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(consequences)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(min(consequences.sizeHint().height() + 4, 360))
        return scroll

    def _warning(self, text: str) -> QLabel:
        label = QLabel(_affected_html(text))
        label.setWordWrap(True)
        label.setToolTip(text)
        return label

    @classmethod
    async def ask(cls, parent: QWidget | None, plan: Plan, confirm_text: str = "Apply") -> bool:
        dialog = cls(plan, confirm_text, parent)
        try:
            return await answer(dialog) == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
