"""Where recordings are downloaded: the app's data folder, or a folder the user picks with
"Download to…" (kept in the settings, so the next start downloads there too).

The folder dialog starts in the folder chosen before, else where the user last saved a file
or their Documents folder (`file_dialogs.start_folder`), never the folder the app happened to
be started from.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from ..domain.errors import LoquentError
from ..services.recordings_download import RecordingDownloads
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .file_dialogs import start_folder
from .style import Role, css


class DownloadFolder(QWidget):
    changed = Signal()  # downloads go to another folder now

    def __init__(
        self, downloads: RecordingDownloads, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.downloads, self.tasks = downloads, tasks
        self.org_id: int | None = None
        self.dialog: QFileDialog | None = None  # open while the user picks (tests answer it)
        self.label = QLabel("")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("Download to…")
        self.choose_button.setToolTip("Choose the folder recordings are downloaded into")
        self.default_button = QPushButton("App folder")
        self.default_button.setToolTip("Download into the app's own data folder again")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.default_button)
        self.choose_button.clicked.connect(
            lambda: self.tasks.start(self.choose(), "Choose a download folder", busy=False)
        )
        self.default_button.clicked.connect(
            lambda: self.tasks.start(self.use(None), "Use the app folder", busy=False)
        )
        self.show_folder()

    def set_org(self, org_id: int | None) -> None:
        self.org_id = org_id
        self.show_folder()

    def show_folder(self) -> None:
        chosen = self.downloads.chosen
        if self.org_id is None and chosen is None:
            self.label.setText("Files go to the app's data folder.")
        else:
            where = chosen if chosen is not None else self.downloads.folder_for(self.org_id or 0)
            self.label.setText(f"Files go to {where}")
        self.label.setToolTip("Named by date and time, so sorting by name sorts by date")
        self.label.setStyleSheet(css(Role.MUTED))
        self.default_button.setEnabled(chosen is not None)

    async def choose(self) -> Path | None:
        """Ask for a folder (non-modal dialog, awaited) and download there from now on."""
        start = self.downloads.chosen or Path(start_folder())
        dialog = QFileDialog(self, "Download recordings to")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setDirectory(str(start))
        self.dialog = dialog
        try:
            accepted = await answer(dialog)
            picked = dialog.selectedFiles()
        finally:
            self.dialog = None
            dialog.deleteLater()
        if not accepted or not picked:
            return None
        folder = Path(picked[0])
        await self.use(folder)
        return folder

    async def use(self, folder: Path | None) -> None:
        try:
            await self.downloads.choose_folder(folder)
        except LoquentError as exc:
            self.label.setText(str(exc))
            self.label.setStyleSheet(css(Role.ERROR))
            return
        self.show_folder()
        self.changed.emit()
