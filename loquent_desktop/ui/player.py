"""Playing a downloaded recording inside the app, where Qt can.

PySide6-Essentials (what the app ships) has no QtMultimedia: that module is in
PySide6-Addons. So the player imports it only if it is there; when it is not, or when no
audio output exists (a server), it says so plainly and offers the file's folder and the
system's own player instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from .style import Role, css

_multimedia: Any
try:  # PySide6-Addons
    from PySide6 import QtMultimedia as _multimedia
except ImportError:  # PySide6-Essentials: no QtMultimedia
    _multimedia = None

NO_MULTIMEDIA = (
    "Playback inside the app needs Qt Multimedia, which this build does not include. "
    "Open the file with your system's player or open its folder."
)
NO_DEVICE = "No audio output device was found, so the recording cannot be played here."


def playback_problem() -> str | None:
    """Why playback cannot start on this machine, or None."""
    if _multimedia is None:
        return NO_MULTIMEDIA
    if not _multimedia.QMediaDevices.audioOutputs():
        return NO_DEVICE
    return None


class Player(QWidget):
    """Play/pause, position and volume for one file; or the reason it cannot play."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.play_button = QPushButton("Play")
        self.position = QSlider()
        self.position.setOrientation(self.position.orientation().Horizontal)
        self.volume = QSlider()
        self.volume.setOrientation(self.volume.orientation().Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(100)
        self.open_file = QPushButton("Open with system player")
        self.open_folder = QPushButton("Open folder")
        self.message = QLabel("Select a downloaded recording to play it.")
        self.message.setWordWrap(True)
        self.message.setTextFormat(self.message.textFormat().PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.position, QLabel("Volume"), self.volume,
                       self.open_file, self.open_folder):  # fmt: skip
            layout.addWidget(widget)
        layout.addWidget(self.message, 1)
        self._player: Any = None
        self._output: Any = None
        self.play_button.clicked.connect(self.toggle)
        self.open_folder.clicked.connect(self._open_folder)
        self.open_file.clicked.connect(self._open_file)
        self.volume.valueChanged.connect(self._set_volume)
        self.set_file(None)

    @property
    def state(self) -> str:
        """ "playing", "paused", "stopped" or "unavailable" (for the user and the tests)."""
        if self._player is None:
            return "unavailable" if playback_problem() else "stopped"
        names = {1: "playing", 2: "paused"}
        return names.get(int(self._player.playbackState().value), "stopped")

    def set_file(self, path: Path | None) -> None:
        self.path = path
        if self._player is not None:
            self._player.stop()
        for widget in (self.open_file, self.open_folder):
            widget.setEnabled(path is not None)
        problem = playback_problem()
        self.play_button.setEnabled(path is not None and problem is None)
        self.position.setEnabled(path is not None and problem is None)
        if path is None:
            self.message.setText("Select a downloaded recording to play it.")
            self.message.setStyleSheet(css(Role.MUTED))
        elif problem is not None:
            self.message.setText(problem)
            self.message.setStyleSheet(css(Role.WARN))
        else:
            self.message.setText(path.name)
            self.message.setStyleSheet(css(Role.TEXT))

    def toggle(self) -> None:
        problem = playback_problem()
        if self.path is None or problem is not None:
            self.message.setText(problem or "Select a downloaded recording to play it.")
            return
        if self._player is None:
            assert _multimedia is not None
            self._player = _multimedia.QMediaPlayer(self)
            self._output = _multimedia.QAudioOutput(self)
            self._player.setAudioOutput(self._output)
            self._player.durationChanged.connect(lambda ms: self.position.setRange(0, ms))
            self._player.positionChanged.connect(self.position.setValue)
            self.position.sliderMoved.connect(self._player.setPosition)
            self._set_volume(self.volume.value())
        if self._player.source() != QUrl.fromLocalFile(str(self.path)):
            self._player.setSource(QUrl.fromLocalFile(str(self.path)))
        if self.state == "playing":
            self._player.pause()
            self.play_button.setText("Play")
        else:
            self._player.play()
            self.play_button.setText("Pause")

    def _set_volume(self, value: int) -> None:
        if self._output is not None:
            self._output.setVolume(value / 100)

    def _open_folder(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))

    def _open_file(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
