"""The window as the user left it: size and position, splitter positions, table column widths
and order, the tab shown and the organization chosen, kept in `window.ini` next to
settings.json (an INI file there, not the system's QSettings store, so LOQUENT_HOME and the
sandbox keep theirs apart and tests never touch the user's).

Splitters and table headers are found by where they sit in the window (their chain of parent
classes), so a tab needs no registration; a header whose column count changed since it was
saved (a new version reordered a table) keeps its built-in layout rather than a stale one.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter, QTabWidget, QWidget

log = logging.getLogger(__name__)

STATE_FILE = "window.ini"
# Bump when a table's default columns change meaning: older saved layouts are then ignored.
VERSION = 2


def _path_of(widget: QObject, root: QWidget) -> str:
    """'VoiceTab-scroll/qt_scrollarea_viewport/VoiceTab0/QSplitter0': stable while the window
    is built the same way. Names where there are names: showing a tab raises its page, which
    reorders its parent's children."""
    parts: list[str] = []
    node: QObject | None = widget
    while node is not None and node is not root:
        parent = node.parent()
        if parent is None:
            break
        if name := node.objectName():  # Qt's own parts and our scroll areas are named
            parts.append(name)
        else:
            same = [c for c in parent.children() if type(c) is type(node)]
            parts.append(f"{type(node).__name__}{same.index(node)}")
        node = parent
    return "/".join(reversed(parts))


class WindowState:
    def __init__(self, config_dir: Path) -> None:
        self.settings = QSettings(str(config_dir / STATE_FILE), QSettings.Format.IniFormat)

    @property
    def usable(self) -> bool:
        return _int(self.settings.value("version")) == VERSION

    # -- save -----------------------------------------------------------------------------
    def save(self, window: QMainWindow, tabs: QTabWidget, organization_id: int | None) -> None:
        s = self.settings
        for group in ("splitters", "headers", "organization"):  # others keep their keys here
            s.remove(group)
        s.setValue("version", VERSION)
        s.setValue("geometry", window.saveGeometry())
        s.setValue("tab", tabs.tabText(tabs.currentIndex()).replace("&", ""))
        if organization_id is not None:
            s.setValue("organization", organization_id)
        for splitter in window.findChildren(QSplitter):
            s.setValue(f"splitters/{_path_of(splitter, window)}", splitter.saveState())
        for header in window.findChildren(QHeaderView):
            if header.orientation().name == "Horizontal" and header.count():
                key = f"headers/{_path_of(header, window)}"
                s.setValue(key, header.saveState())
                s.setValue(f"{key}-columns", header.count())
        s.sync()

    # -- restore --------------------------------------------------------------------------
    def restore_layout(self, window: QMainWindow, geometry: bool = True) -> None:
        """Splitters and column widths (and the window's geometry unless told otherwise)."""
        if not self.usable:
            return
        s = self.settings
        if geometry and isinstance(value := s.value("geometry"), QByteArray):
            window.restoreGeometry(value)
        for splitter in window.findChildren(QSplitter):
            if isinstance(value := s.value(f"splitters/{_path_of(splitter, window)}"), QByteArray):
                if splitter.isVisible():
                    splitter.restoreState(value)
                else:  # a tab not shown yet is not laid out: its sizes would be rescaled
                    splitter.installEventFilter(_RestoreWhenShown(splitter, value))
        for header in window.findChildren(QHeaderView):
            key = f"headers/{_path_of(header, window)}"
            value = s.value(key)
            if isinstance(value, QByteArray) and _int(s.value(f"{key}-columns")) == header.count():
                header.restoreState(value)

    def tab(self) -> str:
        return str(self.settings.value("tab", "") or "") if self.usable else ""

    def organization(self) -> int | None:
        return _int(self.settings.value("organization")) if self.usable else None


class _RestoreWhenShown(QObject):
    """Restores a splitter's saved sizes when it is first shown, once at its real size."""

    def __init__(self, splitter: QSplitter, state: QByteArray) -> None:
        super().__init__(splitter)
        self.state = state

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QSplitter):
            watched.removeEventFilter(self)
            # After this turn of the loop: the page around it is laid out by then.
            QTimer.singleShot(0, self._restore)
        return False

    def _restore(self) -> None:
        splitter = self.parent()
        if isinstance(splitter, QSplitter):
            splitter.restoreState(self.state)
        self.deleteLater()


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
