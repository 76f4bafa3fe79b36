""" "What this app can and cannot do to your account": the table of `domain.capabilities`,
opened from the credentials form ("What will Loquent do to this account?") and from Help.

Non-modal (opened with `open()`), so it never blocks the event loop; clicking an action
closes it and shows the tab (and page) where that action happens.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.capabilities import CAPABILITIES, NEVER, Capability
from .style import Role, colour

ACTION, CHANGES, TOUCHES, WHERE = range(4)
TITLE = "What this app can and cannot do to your account"


def where_text(capability: Capability) -> str:
    if capability.page:
        return f"{capability.tab} → {capability.page}"
    return capability.tab


class CapabilitiesDialog(QDialog):
    go_to = Signal(str, str)  # tab, page: the user clicked an action

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.resize(960, 700)
        intro = QLabel(
            "The Twilio account belongs to the organization. Reading it never changes it. "
            "Every action marked <b>Changes</b> is first shown as a plan (each field before "
            "and after, the cost, who else is affected) and runs only after you confirm; "
            "Cancel sends nothing. Click an action to go where it happens."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(CAPABILITIES), 4)
        self.table.setHorizontalHeaderLabels(
            ("Action", "Twilio account", "What it touches", "Where")
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        for row, capability in enumerate(CAPABILITIES):
            self._fill(row, capability)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(ACTION, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CHANGES, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TOUCHES, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(WHERE, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Row heights follow the wrapped text once the columns have their real widths.
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.never = QLabel("<b>Never</b>, whatever you click: " + "; ".join(NEVER) + ".")
        self.never.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.never)
        layout.addWidget(buttons)
        self.table.cellClicked.connect(self._clicked)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.resizeRowsToContents()

    def _fill(self, row: int, capability: Capability) -> None:
        action = QTableWidgetItem(capability.action)
        action.setForeground(colour(Role.NOTE))  # a link: it takes you there
        action.setToolTip(f"Go to {where_text(capability)}")
        changes = QTableWidgetItem("Changes" if capability.changes_account else "Read-only")
        changes.setForeground(colour(Role.WARN if capability.changes_account else Role.OK))
        touches = QTableWidgetItem(capability.touches)
        touches.setToolTip(capability.touches)
        where = QTableWidgetItem(where_text(capability))
        for column, item in enumerate((action, changes, touches, where)):
            item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.table.setItem(row, column, item)

    def _clicked(self, row: int, column: int) -> None:
        if column in (ACTION, WHERE):
            self.activate(row)

    def activate(self, row: int) -> None:
        """Go where row `row`'s action happens (and close)."""
        capability = CAPABILITIES[row]
        self.go_to.emit(capability.tab, capability.page)
        self.accept()


def open_capabilities(parent: QWidget) -> CapabilitiesDialog:
    """Open the dialog over `parent`'s window; its actions navigate that window when it can
    (the main window's `show_place`)."""
    window = parent.window()
    dialog = CapabilitiesDialog(window)
    dialog.setObjectName("capabilities")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    show_place = getattr(window, "show_place", None)
    if callable(show_place):
        dialog.go_to.connect(show_place)
    dialog.open()
    return dialog
