"""Generate the app icon set from resources/icons/loquent-desktop.svg.

The SVG is the only source; everything else in resources/icons/ is generated and committed so
that neither the app nor the installers need this script's dependencies:

- ``loquent-desktop-{16..512}.png``  Qt's window icon (ui/resources.py) and hicolor icons (.deb)
- ``loquent-desktop.ico``            Windows: PyInstaller exe icon and Inno Setup
- ``loquent-desktop.icns``           macOS: the .app bundle

Rendering goes through Qt's own SVG renderer, so the PNGs match what the app would draw.
Pillow writes the multi-size ICO and ICNS. Run it in a throw-away venv::

    python3 -m venv /tmp/icons && /tmp/icons/bin/pip install pillow pyside6-essentials==6.11.3
    QT_QPA_PLATFORM=offscreen /tmp/icons/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = ICONS / "loquent-desktop.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Windows shell uses 16-48 in lists and 256 for large views; ICO entries above 256 are invalid.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# macOS wants up to 1024 (512@2x) for Retina Finder views.
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    """Render the SVG at exactly ``size`` px (not a downscale: small sizes stay crisp)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot render {SOURCE}", file=sys.stderr)
        return 1
    rendered = {size: render(renderer, size) for size in sorted({*PNG_SIZES, *ICNS_SIZES})}

    for size in PNG_SIZES:
        rendered[size].save(ICONS / f"loquent-desktop-{size}.png", optimize=True)
    largest_ico = rendered[max(ICO_SIZES)]
    largest_ico.save(
        ICONS / "loquent-desktop.ico",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[rendered[s] for s in ICO_SIZES[:-1]],
    )
    rendered[1024].save(
        ICONS / "loquent-desktop.icns", append_images=[rendered[s] for s in ICNS_SIZES[:-1]]
    )
    for path in sorted(ICONS.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.relative_to(ICONS.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
