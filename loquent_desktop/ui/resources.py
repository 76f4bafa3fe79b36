"""Locating bundled resources (the app icon) in a checkout, a wheel or a PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    """All PNG sizes in one QIcon so Qt picks a sharp one on HiDPI screens."""
    icon = QIcon()
    folder = resources_dir() / "icons"
    for png in sorted(folder.glob("loquent-desktop-*.png")):
        icon.addFile(str(png))
    svg = folder / "loquent-desktop.svg"
    if icon.isNull() and svg.exists():
        icon.addFile(str(svg))
    return icon
