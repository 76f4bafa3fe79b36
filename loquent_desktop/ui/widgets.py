"""Small widgets shared by the tabs: a cancellable progress strip, an error line, a table
panel (the table, the message shown instead of it, and the count below it)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import LoquentError
from .style import Role, css, empty_state


class ProgressStrip(QWidget):
    """A progress bar with a message and a Cancel button, for work the user may stop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop (Esc)")
        self.cancel_button.setShortcut("Esc")
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addStretch(1)
        self.hide()

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    def update_text(self, text: str) -> None:
        self.label.setText(text)

    def finish(self) -> None:
        self.hide()


class ErrorLabel(QLabel):
    """A red, selectable message that takes no space while it is empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(css(Role.ERROR))
        self.setAccessibleName("Error")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        super().clear()
        self.hide()


class TablePanel(QWidget):
    """A table, the message shown instead of it while there is nothing to list (no
    organization, still reading, a failure, nothing matches the filter), and a footer with
    the count and when the rows were read."""

    def __init__(self, table: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(empty_state())
        self.count_label = QLabel()
        self.refreshed_label = QLabel()
        self.refreshed_label.setStyleSheet(css(Role.MUTED))
        footer = QHBoxLayout()
        footer.addWidget(self.count_label)
        footer.addStretch(1)
        footer.addWidget(self.refreshed_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(table, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(footer)

    def show_state(self, message: str, count: str) -> None:
        """`message` instead of the table (empty: show the table), `count` below it
        (empty: no count line)."""
        self.empty.setText(message)
        self.empty.setVisible(bool(message))
        self.table.setVisible(not message)
        self.count_label.setText(count)
        self.count_label.setVisible(bool(count))

    def mark_refreshed(self) -> None:
        self.refreshed_label.setText(f"Last refreshed {datetime.now():%H:%M:%S}")


def number_table(
    model: QAbstractItemModel, widths: tuple[int, ...], sort_column: int
) -> QTableView:
    """A sortable, row-selecting table of numbers with one line per row and the given
    initial column widths (users may resize them; the last column takes the rest)."""
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(sort_column, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    header.setStretchLastSection(True)
    return table


def user_text(exc: BaseException) -> str:
    """What the user reads about a failure: our own messages as they are, anything else as a
    pointer to the log (where TaskRunner has written the traceback), never a repr()."""
    if isinstance(exc, LoquentError):
        return str(exc)
    return f"Something unexpected went wrong ({type(exc).__name__}). See the log file."


def error_label() -> ErrorLabel:
    return ErrorLabel()
