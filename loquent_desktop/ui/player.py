"""Playing a downloaded recording inside the app: play/pause, position, volume, both channels
of a dual-channel recording, and the file's folder.

Qt Multimedia comes with PySide6-Addons (a dependency of the app) and plays through FFmpeg.
It is imported on first use, not at start-up: loading FFmpeg takes a moment, and an install
without it (Qt Multimedia missing, or its PulseAudio client library `libpulse.so.0` absent)
must still start. When playback cannot start, because Qt Multimedia is missing or there is no
audio output device (a server, a remote session), the player says so instead of failing; the
file is still loaded, so its length shows, and the folder and the system's player still open.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from .style import Role, css

log = logging.getLogger(__name__)

NO_MULTIMEDIA = (
    "Playback inside the app needs Qt Multimedia, which this installation lacks. "
    "Open the file with your system's player or open its folder."
)
NO_DEVICE = (
    "No audio output device was found, so the recording cannot be played here. "
    "Open the file with your system's player or open its folder."
)
_STATES = {1: "playing", 2: "paused"}  # QMediaPlayer.PlaybackState; 0 is stopped


@cache
def multimedia() -> Any:
    """PySide6's QtMultimedia module, or None where it cannot load."""
    try:
        from PySide6 import QtMultimedia
    except ImportError as exc:  # no PySide6-Addons, or a library it needs (libpulse) missing
        log.info("Qt Multimedia is not available: %s", exc)
        return None
    return QtMultimedia


def playback_problem() -> str | None:
    """Why playback cannot start on this machine, or None."""
    module = multimedia()
    if module is None:
        return NO_MULTIMEDIA
    if not module.QMediaDevices.audioOutputs():
        return NO_DEVICE
    return None


def _clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def channels_text(channels: int | None) -> str:
    if channels == 2:
        return "Dual-channel: both parties, one per ear"
    if channels == 1:
        return "One channel: both parties mixed"
    return ""


class Player(QWidget):
    """Play/pause, position and volume for one file; or the reason it cannot play."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.problem: str | None = None
        self.play_button = QPushButton("Play")
        self.position = QSlider(Qt.Orientation.Horizontal)
        self.position.setMinimumWidth(120)
        self.position.setAccessibleName("Playback position")
        self.position.setToolTip("Playback position: drag, or use the arrow keys")
        self.time = QLabel("0:00 / 0:00")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(100)
        self.volume.setToolTip("Volume")
        self.volume.setAccessibleName("Volume")
        self.channels = QLabel("")
        self.open_file = QPushButton("Open with system player")
        self.open_folder = QPushButton("Open folder")
        self.message = QLabel("Select a downloaded recording to play it.")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.position, self.time, QLabel("Volume"),
                       self.volume, self.channels, self.open_file, self.open_folder):  # fmt: skip
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
        if self.problem is not None:
            return "unavailable"
        if self._player is None:
            return "stopped"
        return _STATES.get(int(self._player.playbackState().value), "stopped")

    @property
    def duration_ms(self) -> int:
        """The loaded file's length (0 until Qt has read it)."""
        return int(self._player.duration()) if self._player is not None else 0

    def set_file(self, path: Path | None, channels: int | None = None) -> None:
        """Show `path` (None: nothing selected): load it, so its length shows even where it
        cannot be played."""
        if self._player is not None:
            self._player.stop()
        self.path = path
        self.problem = playback_problem() if path is not None else None
        for widget in (self.open_file, self.open_folder):
            widget.setEnabled(path is not None)
        self.play_button.setEnabled(path is not None and self.problem is None)
        self.play_button.setText("Play")
        self.position.setEnabled(path is not None and self.problem is None)
        self.position.setValue(0)
        self.channels.setText(channels_text(channels) if path is not None else "")
        if path is None:
            self.message.setText("Select a downloaded recording to play it.")
            self.message.setStyleSheet(css(Role.MUTED))
            self.time.setText("0:00 / 0:00")
            return
        if self.problem is not None:
            self.message.setText(self.problem)
            self.message.setStyleSheet(css(Role.WARN))
        else:
            self.message.setText(path.name)
            self.message.setStyleSheet(css(Role.TEXT))
        if multimedia() is not None:
            self._media().setSource(QUrl.fromLocalFile(str(path)))

    def _media(self) -> Any:
        """The QMediaPlayer, made on first use (Qt Multimedia is there: see `set_file`)."""
        if self._player is None:
            module = multimedia()
            self._player = module.QMediaPlayer(self)
            self._output = module.QAudioOutput(self)
            self._player.setAudioOutput(self._output)
            self._player.durationChanged.connect(self._duration)
            self._player.positionChanged.connect(self._position)
            self._player.playbackStateChanged.connect(lambda _s: self._state_shown())
            self._player.errorOccurred.connect(self._error)
            self.position.sliderMoved.connect(self._player.setPosition)
            self._set_volume(self.volume.value())
        return self._player

    def toggle(self) -> None:
        """Play, or pause what is playing."""
        if self.path is None or self.problem is not None:
            self.message.setText(self.problem or "Select a downloaded recording to play it.")
            return
        player = self._media()
        if self.state == "playing":
            player.pause()
        else:
            player.play()
        self._state_shown()

    def _state_shown(self) -> None:
        self.play_button.setText("Pause" if self.state == "playing" else "Play")

    def _duration(self, ms: int) -> None:
        self.position.setRange(0, ms)
        self.time.setText(f"{_clock(self.position.value())} / {_clock(ms)}")

    def _position(self, ms: int) -> None:
        if not self.position.isSliderDown():
            self.position.setValue(ms)
        self.time.setText(f"{_clock(ms)} / {_clock(self.duration_ms)}")

    def _error(self, _error: Any, text: str) -> None:
        if text:
            self.message.setText(f"The recording cannot be played: {text}")
            self.message.setStyleSheet(css(Role.ERROR))

    def _set_volume(self, value: int) -> None:
        if self._output is not None:
            self._output.setVolume(value / 100)

    def _open_folder(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))

    def _open_file(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
