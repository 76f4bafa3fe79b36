"""Every tab at 1024×640, in light and in dark, read as a user would: no text cut off without a
tooltip that gives the whole of it, and body text that passes WCAG AA contrast (4.5:1)
against what it is drawn on.

The window is the real one over the sandbox's demo organization, loaded as at start-up.
Clipping: a label, button, check box or radio button whose text needs more width than it has
must carry a tooltip; a table header section that elides its title must show the whole title
when hovered (a help event is sent and Qt's tooltip read back). Contrast: each visible
label's text colour (after style sheets, which Qt folds into the widget's palette), colours
inlined in rich text, and the foreground colours table cells ask for, against the window or
the table's base colours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QTabWidget,
    QToolTip,
    QWidget,
)

from loquent_desktop.services.sandbox_session import prepare_sandbox_organizations
from loquent_desktop.ui.color_scheme import apply_color_scheme
from tests.conftest import wait_until

WIDTH, HEIGHT = 1024, 640
AA = 4.5


# -- contrast (WCAG 2.x relative luminance) ---------------------------------------------
def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    r, g, b = (_channel(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_wcag_examples() -> None:
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#767676"), QColor("#ffffff")) == pytest.approx(4.54, abs=0.01)
    assert contrast(QColor("#777777"), QColor("#ffffff")) < AA


# -- the window in a scheme -------------------------------------------------------------
@pytest.fixture(params=["light", "dark"])
def scheme_window(request, qapp, qtbot, qloop, context, sandbox):  # type: ignore[no-untyped-def]
    """The real window, built after the scheme is applied (style sheets are computed when
    widgets are made), showing the BYO demo organization, at 1024×640."""
    from loquent_desktop.ui.main_window import MainWindow

    style, palette = qapp.style().name(), QPalette(qapp.palette())
    apply_color_scheme(qapp, request.param)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.resize(WIDTH, HEIGHT)
    win.show()
    byo = qloop.run_until_complete(prepare_sandbox_organizations(context, sandbox))
    qloop.run_until_complete(fill(context, byo))
    qloop.run_until_complete(win.load(byo))
    yield win
    qloop.run_until_complete(win.shutdown())
    qapp.styleHints().unsetColorScheme()  # later tests get the platform's scheme again
    qapp.setStyle(style)
    qapp.setPalette(palette)


async def fill(context: Any, org_id: int) -> None:
    """What a user who has worked a while sees: synced history, an event stream set up (a
    journal entry with a result), so the tables hold real rows."""
    from loquent_desktop.domain.event_streams import StreamKind

    for kind in ("messages", "calls"):
        await context.history.sync.start(org_id, kind)
    change = await context.event_streams.prepare_setup(org_id, StreamKind.SMS)

    async def yes(_plan: Any) -> bool:
        return True

    await context.plans.apply(change, yes)


def settle(qloop: Any, window: Any) -> None:
    async def idle() -> None:
        await wait_until(lambda: window.tasks.running == 0, timeout=30, message="tab loaded")

    qloop.run_until_complete(idle())
    for _ in range(3):
        QApplication.processEvents()


def pages(window: Any, qloop: Any) -> Iterator[str]:
    """Shows each tab and each page of a tab's own tabs in turn; yields where it is."""
    for index, name in enumerate(window.tab_names()):
        window.tabs.setCurrentIndex(index)
        settle(qloop, window)
        yield name
        page = window.tabs.widget(index)
        for inner in page.findChildren(QTabWidget):
            if not inner.isVisible():
                continue
            for sub in range(1, inner.count()):
                inner.setCurrentIndex(sub)
                settle(qloop, window)
                yield f"{name} › {inner.tabText(sub).replace('&', '')}"
            inner.setCurrentIndex(0)


def visible(window: Any, kind: type) -> list[Any]:
    page = window.tabs.widget(window.tabs.currentIndex())
    return [w for w in page.findChildren(kind) if w.isVisible() and w.width() > 0]


# -- clipping ---------------------------------------------------------------------------
def clipped_without_tooltip(window: Any) -> list[str]:
    problems = []
    for widget in visible(window, QLabel) + visible(window, QAbstractButton):
        if not (widget.text() if hasattr(widget, "text") else ""):
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            continue  # a wrapping label grows downwards; the page scrolls
        needed = widget.sizeHint().width()
        if needed > widget.width() + 1 and not widget.toolTip():
            name = f"{type(widget).__name__} {widget.text()[:60]!r}"
            problems.append(f"{name}: {widget.width()} < {needed}")
    return problems


def combos_cut_without_tooltip(window: Any) -> list[str]:
    problems = []
    for combo in visible(window, QComboBox):
        text = combo.currentText()
        if combo.isEditable() or not text:
            continue
        cut = combo.fontMetrics().horizontalAdvance(text) + 30 > combo.width()
        if cut and text not in combo.toolTip():
            problems.append(f"combo box {text!r}: {combo.width()}px, no tooltip")
    return problems


def headers_elided_without_tooltip(window: Any) -> list[str]:
    problems = []
    for view in visible(window, QAbstractItemView):
        if isinstance(view, QHeaderView):
            continue
        header = getattr(view, "horizontalHeader", lambda: None)()
        if header is None or not header.isVisible() or view.model() is None:
            continue
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            text = str(view.model().headerData(section, Qt.Orientation.Horizontal) or "")
            left = header.sectionViewportPosition(section)
            size = header.sectionSize(section)
            if not text or left < 0 or left + size > header.viewport().width():
                continue  # scrolled out of view: not elided, just elsewhere
            if header.sectionSizeFromContents(section).width() <= size:
                continue  # what Qt itself asks for the title (margins, sort arrow) fits
            QToolTip.hideText()
            centre = QPoint(left + size // 2, header.height() // 2)
            event = QHelpEvent(
                QHelpEvent.Type.ToolTip, centre, header.viewport().mapToGlobal(centre)
            )
            QApplication.sendEvent(header.viewport(), event)
            if QToolTip.text() != text and not QToolTip.text().startswith(text):
                tip = view.model().headerData(
                    section, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
                )
                if not tip:
                    problems.append(f"header {text!r}: {size}px, no tooltip")
            QToolTip.hideText()
    return problems


def cells_elided_without_tooltip(window: Any) -> list[str]:
    """The first screenful of each table: a cell whose text is wider than its column must
    show the whole text when hovered."""
    problems = []
    for view in visible(window, QAbstractItemView):
        if isinstance(view, QHeaderView) or view.model() is None:
            continue
        model, port = view.model(), view.viewport()
        metrics = view.fontMetrics()
        for row in range(min(model.rowCount(QModelIndex()), 15)):
            for column in range(_columns(model)):
                index = model.index(row, column)
                rect = view.visualRect(index)
                text = str(index.data() or "")
                if not text or "\n" in text or rect.right() > port.width() or rect.left() < 0:
                    continue
                if metrics.horizontalAdvance(text) + 7 <= rect.width():  # Qt's text margins
                    continue
                QToolTip.hideText()
                centre = rect.center()
                event = QHelpEvent(QHelpEvent.Type.ToolTip, centre, port.mapToGlobal(centre))
                QApplication.sendEvent(port, event)
                shown = QToolTip.text() if QToolTip.isVisible() else ""
                if text not in shown and not index.data(Qt.ItemDataRole.ToolTipRole):
                    problems.append(f"cell {text[:40]!r}: {rect.width()}px, no tooltip")
                QToolTip.hideText()
    return problems


# -- contrast ---------------------------------------------------------------------------
INLINE = re.compile(r"color:\s*(#[0-9a-fA-F]{6})")


def low_contrast(window: Any) -> list[str]:
    problems = []
    for label in visible(window, QLabel):
        if not label.text() or not label.isEnabled():
            continue  # disabled text is exempt from WCAG
        palette = label.palette()
        background = palette.color(label.backgroundRole())
        colours = [palette.color(label.foregroundRole())]
        colours += [QColor(c) for c in INLINE.findall(label.text())]
        if "background" in label.styleSheet():
            continue  # a badge with its own background (checked where it is defined)
        for colour in colours:
            ratio = contrast(colour, background)
            if ratio < AA:
                problems.append(
                    f"label {label.text()[:50]!r}: {colour.name()} on {background.name()} "
                    f"= {ratio:.2f}"
                )
    for view in visible(window, QAbstractItemView):
        model = view.model()
        if model is None or isinstance(view, QHeaderView):
            continue
        palette = view.palette()
        backgrounds = [palette.color(QPalette.ColorRole.Base)]
        if view.alternatingRowColors():
            backgrounds.append(palette.color(QPalette.ColorRole.AlternateBase))
        for row in range(min(model.rowCount(QModelIndex()), 40)):
            for column in range(_columns(model)):
                index = model.index(row, column)
                fg = index.data(Qt.ItemDataRole.ForegroundRole)
                if fg is None or not index.data():
                    continue
                colour = fg.color() if hasattr(fg, "color") else QColor(fg)
                for background in backgrounds:
                    if (ratio := contrast(colour, background)) < AA:
                        problems.append(
                            f"cell {str(index.data())[:40]!r}: {colour.name()} on "
                            f"{background.name()} = {ratio:.2f}"
                        )
                        break
    return problems


def _columns(model: Any) -> int:
    try:
        return int(model.columnCount(QModelIndex()))
    except TypeError:  # a list model: one column, its count private in the binding
        return 1


# -- the tests --------------------------------------------------------------------------
def test_the_window_shrinks_to_1024x640(scheme_window) -> None:
    hint = scheme_window.minimumSizeHint()
    assert hint.width() <= WIDTH and hint.height() <= HEIGHT, hint
    assert (scheme_window.width(), scheme_window.height()) == (WIDTH, HEIGHT)


def test_no_tab_cuts_text_off_without_a_tooltip(scheme_window, qloop) -> None:
    problems = []
    for where in pages(scheme_window, qloop):
        problems += [f"{where}: {p}" for p in clipped_without_tooltip(scheme_window)]
        problems += [f"{where}: {p}" for p in headers_elided_without_tooltip(scheme_window)]
        problems += [f"{where}: {p}" for p in cells_elided_without_tooltip(scheme_window)]
        problems += [f"{where}: {p}" for p in combos_cut_without_tooltip(scheme_window)]
    assert not problems, "\n".join(problems)


def test_body_text_passes_wcag_aa_contrast(scheme_window, qloop) -> None:
    problems = []
    for where in pages(scheme_window, qloop):
        problems += [f"{where}: {p}" for p in low_contrast(scheme_window)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_colour_role_reads_on_its_scheme(qapp, scheme: str) -> None:
    """What widgets are coloured with (errors, successes, warnings, notes, the purple accent,
    muted remarks) passes AA on the window and on table rows of that scheme."""
    from loquent_desktop.ui.color_scheme import palette_for
    from loquent_desktop.ui.style import Role, colour

    palette = palette_for(scheme)
    grounds = [QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase]
    for role in Role:
        for ground in grounds:
            ratio = contrast(colour(role, palette), palette.color(ground))
            assert ratio >= AA, f"{role.name} on {ground.name}: {ratio:.2f}"


def test_controls_are_named_and_reachable_by_keyboard(scheme_window, qloop) -> None:
    """Tab reaches every enabled control, and a control without text has a name a screen
    reader can say; no style sheet fixes a font size in pixels (text follows the system's
    font size)."""
    from PySide6.QtWidgets import QAbstractSlider, QComboBox, QLineEdit, QScrollBar

    problems = []
    for where in pages(scheme_window, qloop):
        kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSlider)
        for kind in kinds:
            for widget in visible(scheme_window, kind):
                if isinstance(widget, QHeaderView | QScrollBar) or not widget.isEnabled():
                    continue  # the view they belong to takes the keys
                if isinstance(widget.parent(), QAbstractItemView):
                    continue  # a table's corner button: Ctrl+A does what it does
                if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                    problems.append(f"{where}: {type(widget).__name__} not reachable by Tab")
                text = widget.text() if isinstance(widget, QAbstractButton) else "x"
                if not text.strip() and not widget.accessibleName():
                    problems.append(f"{where}: {type(widget).__name__} without a name")
        for widget in visible(scheme_window, QWidget):
            if re.search(r"font-size:\s*\d+px", widget.styleSheet()):
                problems.append(f"{where}: {type(widget).__name__} font size in pixels")
    assert not problems, "\n".join(problems)


def test_no_tab_scrolls_sideways(scheme_window, qloop) -> None:
    """Each page fits the window's width; only a page taller than the window scrolls (down)."""
    from PySide6.QtWidgets import QScrollArea

    wide = []
    for where in pages(scheme_window, qloop):
        area = QTabWidget.widget(scheme_window.tabs, scheme_window.tabs.currentIndex())
        assert isinstance(area, QScrollArea)
        if area.horizontalScrollBar().isVisible():
            wide.append(f"{where}: needs {area.widget().minimumSizeHint().width()}px")
    assert not wide, "\n".join(wide)


def test_voice_routing_shows_number_answer_loquent_and_saved_at_a_glance(
    scheme_window, qloop
) -> None:
    """The bar of the issue: at 1024×640 the number, who answers, whether that is Loquent and
    whether a configuration is saved are on screen without scrolling in any direction."""
    from loquent_desktop.ui.models.voice_numbers_model import ANSWERS, LOQUENT, NUMBER, SAVED

    scheme_window.select_tab("voice")
    settle(qloop, scheme_window)
    tab = scheme_window.voice_tab
    qloop.run_until_complete(wait_until(lambda: tab.model.rowCount() > 0, message="numbers"))
    area = QTabWidget.widget(scheme_window.tabs, scheme_window.tabs.currentIndex())
    assert not area.verticalScrollBar().isVisible()  # the table is not pushed off the page
    header, port = tab.table.horizontalHeader(), tab.table.viewport()
    for column in (NUMBER, ANSWERS, LOQUENT, SAVED):
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= port.width(), (tab.model.COLUMNS[column], right, port.width())
        assert header.sectionSizeFromContents(column).width() <= header.sectionSize(column)
    assert tab.table.rowAt(port.height() - 1) == -1 or tab.table.rowAt(0) == 0
