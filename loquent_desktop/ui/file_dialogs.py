"""Where files are saved: every export starts in the folder the user saved into last, or
their Documents folder the first time, never the folder the app happened to be started from
(the repository, when started from a terminal).

The last folder is kept in `window.ini` in the app's config folder (`remember_in`, called by
the main window); without it (a dialog in a test) it is remembered for the session only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from .dialogs.awaitable import answer

_KEY = "files/last-folder"
_settings: QSettings | None = None
_last_folder: str | None = None


def remember_in(config_dir: Path) -> None:
    global _settings
    _settings = QSettings(str(config_dir / "window.ini"), QSettings.Format.IniFormat)


def documents_folder() -> str:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return folder or str(Path.home())


def start_folder() -> str:
    """The last folder saved into, if it still exists; else Documents."""
    last = _settings.value(_KEY) if _settings is not None else _last_folder
    if last and Path(str(last)).is_dir():
        return str(last)
    return documents_folder()


def remember_folder(path: Path) -> None:
    global _last_folder
    _last_folder = str(path.parent)
    if _settings is not None:
        _settings.setValue(_KEY, _last_folder)
        _settings.sync()


def save_dialog(
    parent: QWidget, title: str, file_name: str, name_filter: str = "CSV files (*.csv)"
) -> QFileDialog:
    """A Save dialog in `start_folder()` proposing `file_name` (callers may open it)."""
    dialog = QFileDialog(parent, title)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(name_filter)
    dialog.setDefaultSuffix(Path(file_name).suffix.lstrip(".") or "csv")
    dialog.setDirectory(start_folder())
    dialog.selectFile(file_name)
    return dialog


async def ask_save_path(
    parent: QWidget, title: str, file_name: str, name_filter: str = "CSV files (*.csv)"
) -> Path | None:
    """The file the user chose to save into (its folder remembered), or None."""
    dialog = save_dialog(parent, title, file_name, name_filter)
    accepted = await answer(dialog)
    files = dialog.selectedFiles()
    dialog.deleteLater()
    if not accepted or not files:
        return None
    path = Path(files[0])
    remember_folder(path)
    return path
