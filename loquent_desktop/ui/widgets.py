"""Small widgets shared by the tabs: a cancellable progress strip, an error line, a table
panel (the table, the message shown instead of it, and the count below it), a scrolling page
for small windows, and tooltips for text that does not fit."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QFontMetrics, QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QToolTip,
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


class PendingPage(QWidget):
    """A tab's place before its page is built (`MainWindow.attach`): empty at an ordinary
    start-up, which takes a moment, and saying why it is still empty when start-up takes
    longer (`say`: a database being upgraded), with a running busy indicator."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setObjectName("pending-message")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet(empty_state())
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: a migration reports no progress
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(240)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.message.hide()
        self.busy.hide()

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.busy.show()


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
    tip_elided_cells(table)
    return table


# Room a cell or header section takes for its margins and sort arrow around the text.
_CELL_PADDING = 8
_HEADER_PADDING = 24


class _ElidedTips(QObject):
    """Shows a cell's or header section's whole text as its tooltip when the text does not fit
    (Qt elides it with "…") and the model offers no tooltip of its own."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        text = self.elided_text(event.pos())
        if not text:
            return False
        QToolTip.showText(event.globalPos(), text, self.view)
        return True

    def elided_text(self, pos: object) -> str:
        """The whole text at `pos` (viewport coordinates) if it is cut, else ''."""
        view, model = self.view, self.view.model()
        if model is None:
            return ""
        metrics = QFontMetrics(view.font())
        if isinstance(view, QHeaderView):
            section = view.logicalIndexAt(pos)  # type: ignore[call-overload]
            if section < 0:
                return ""
            orientation = view.orientation()
            if model.headerData(section, orientation, Qt.ItemDataRole.ToolTipRole):
                return ""
            text = str(model.headerData(section, orientation) or "")
            room = view.sectionSize(section) - _HEADER_PADDING
        else:
            index = view.indexAt(pos)  # type: ignore[arg-type]
            if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
                return ""
            text = str(index.data() or "")
            room = view.visualRect(index).width() - _CELL_PADDING
        return text if text and metrics.horizontalAdvance(text) > room else ""


def tip_elided_cells(view: QAbstractItemView) -> None:
    """Give `view`'s cells and horizontal header sections their whole text as a tooltip
    whenever it is too wide for them (cells whose model has a tooltip keep that one)."""
    if view.property("elided-tips"):
        return
    view.setProperty("elided-tips", True)
    view.viewport().installEventFilter(_ElidedTips(view))
    if isinstance(view, QTableView):
        header = view.horizontalHeader()
        header.viewport().installEventFilter(_ElidedTips(header))


# Room a combo box takes besides its text: the frame and the drop-down arrow.
_COMBO_CHROME = 34


class _ComboTips(QObject):
    """Keeps a squeezed combo box's whole current text in its tooltip (after its own tip)."""

    def __init__(self, combo: QComboBox) -> None:
        super().__init__(combo)
        self.combo = combo
        self.own_tip = combo.toolTip()
        combo.currentTextChanged.connect(lambda _text: self.update())
        # Views refill their combo boxes with signals blocked: the model still says so.
        model = combo.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(lambda *_args: self.update())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.update()
        return False

    def update(self) -> None:
        combo, text = self.combo, self.combo.currentText()
        cut = QFontMetrics(combo.font()).horizontalAdvance(text) + _COMBO_CHROME > combo.width()
        parts = [p for p in (text if cut else "", self.own_tip) if p]
        combo.setToolTip("\n".join(parts))


def tip_clipped_combo(combo: QComboBox) -> None:
    """Give `combo` its current text as a tooltip whenever the layout squeezes it too narrow
    to show all of it."""
    if combo.property("clipped-tips") or combo.isEditable():
        return
    combo.setProperty("clipped-tips", True)
    tips = _ComboTips(combo)
    combo.installEventFilter(tips)


def scrollable(page: QWidget) -> QScrollArea:
    """`page` in a frameless scroll area that scrolls only when the window is smaller than
    the page needs; otherwise the page fills it exactly as it would on its own."""
    area = QScrollArea()
    area.setObjectName(f"{type(page).__name__}-scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(page)
    return area


def page_of(widget: QWidget | None) -> QWidget | None:
    """The page inside a `scrollable` area (or `widget` itself)."""
    return widget.widget() if isinstance(widget, QScrollArea) else widget


class ScrollingTabs(QTabWidget):
    """Tabs whose pages scroll when the window is smaller than a page needs (so the window
    can shrink to 1024×640 and below), while callers keep speaking of the pages themselves:
    `widget(i)`, `currentWidget()`, `indexOf(page)` and `setCurrentWidget(page)` see the
    page, not the scroll area around it."""

    def add_page(self, page: QWidget, label: str) -> int:
        return self.addTab(scrollable(page), label)

    def widget(self, index: int) -> QWidget:
        return page_of(super().widget(index))  # type: ignore[return-value]

    def currentWidget(self) -> QWidget:
        return page_of(super().currentWidget())  # type: ignore[return-value]

    def indexOf(self, page: QWidget) -> int:
        return next((i for i in range(self.count()) if self.widget(i) is page), -1)

    def setCurrentWidget(self, page: QWidget) -> None:
        if (index := self.indexOf(page)) >= 0:
            self.setCurrentIndex(index)


def user_text(exc: BaseException) -> str:
    """What the user reads about a failure: our own messages as they are, anything else as a
    pointer to the log (where TaskRunner has written the traceback), never a repr()."""
    if isinstance(exc, LoquentError):
        return str(exc)
    return f"Something unexpected went wrong ({type(exc).__name__}). See the log file."


def error_label() -> ErrorLabel:
    return ErrorLabel()
