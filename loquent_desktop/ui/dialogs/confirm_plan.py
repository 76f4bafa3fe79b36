"""The confirmation dialog for every change to a customer's Twilio account.

It states exactly what will change (resource, field, before → after), what it costs and who
else is affected, in plain words. Cancel is the default button: Enter or Esc sends nothing.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...domain.plans import Plan
from .awaitable import answer


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

        # A small fixed table: QTableWidget is fine here (a handful of rows, never thousands).
        self.changes = QTableWidget(len(plan.changes), 4)
        self.changes.setHorizontalHeaderLabels(["What", "Setting", "Now", "After"])
        self.changes.verticalHeader().hide()
        self.changes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.changes.setWordWrap(True)
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
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.changes.resizeRowsToContents()
        rows = sum(self.changes.rowHeight(r) for r in range(len(plan.changes)))
        # A bulk plan may list hundreds of rows: past a screenful, the table scrolls.
        height = self.changes.horizontalHeader().height() + rows + 6
        self.changes.setFixedHeight(min(height, 380))
        layout.addWidget(self.changes)

        # Warnings, cost, who else is affected and notes: one per number in a bulk plan, so
        # past a screenful they scroll instead of pushing the buttons off the screen.
        consequences = QWidget()
        column = QVBoxLayout(consequences)
        column.setContentsMargins(0, 0, 0, 0)
        for warning in plan.warnings:
            label = QLabel(
                f"<span style='color:#b3261e'>&#9888; <b>{html.escape(warning)}</b></span>"
            )
            label.setWordWrap(True)
            label.setToolTip(warning)
            column.addWidget(label)
        self.cost = QLabel(f"<b>Cost:</b> {html.escape(plan.cost)}")
        self.cost.setWordWrap(True)
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
        wanted = consequences.sizeHint().height() + 4
        scroll.setMinimumHeight(min(wanted, 360))
        layout.addWidget(scroll, 1)

        # Overwriting someone else's recent change takes a deliberate tick, not just Enter.
        self.acknowledge: QCheckBox | None = None
        if plan.acknowledge:
            self.acknowledge = QCheckBox(plan.acknowledge)
            layout.addWidget(self.acknowledge)

        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = buttons.addButton(
            confirm_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        if self.acknowledge is not None:
            self.confirm_button.setEnabled(False)
            self.acknowledge.toggled.connect(self.confirm_button.setEnabled)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _warning(self, text: str) -> QLabel:
        if text.startswith("Nobody"):
            label = QLabel(f"<b>Also affected:</b> {html.escape(text)}")
        else:
            label = QLabel(
                f"<span style='color:#9a5b00'>&#9888; <b>Also affected:</b> "
                f"{html.escape(text)}</span>"
            )
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
