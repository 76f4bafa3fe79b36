"""The one place for colours and text styles.

Widgets name a *role* (what the colour says: an error, a success, a warning, a note, a
muted remark), never a colour. Each role reads on the palette in use: the light palette gets
the colours the app has always had, a dark palette lighter tints of the same hues, and muted
text is the palette's own PlaceholderText. Style sheets and HTML snippets are built when a
widget asks, so they follow the palette of that moment.
"""

from __future__ import annotations

import html
from enum import Enum

from PySide6.QtGui import QColor, QGuiApplication, QPalette


class Role(Enum):
    ERROR = "error"  # failed, refused, needs the user (red)
    OK = "ok"  # succeeded, connected, points at Loquent (green)
    WARN = "warn"  # done, but look: partly, interrupted, another platform answers (amber)
    NOTE = "note"  # information about the mode the tab runs in; running (blue)
    ACCENT = "accent"  # a third kind of thing to tell apart in a column (purple)
    MUTED = "muted"  # secondary: hints, timestamps, "not set", cancelled
    TEXT = "text"  # ordinary text


# (light palette, dark palette): the light ones are the app's colours before roles.
_HUES: dict[Role, tuple[str, str]] = {
    Role.ERROR: ("#b3261e", "#f2b8b5"),
    Role.OK: ("#1b6e3a", "#7fd49b"),
    Role.WARN: ("#9a5b00", "#f0b35a"),
    Role.NOTE: ("#1f5fbf", "#9ec5ff"),
    Role.ACCENT: ("#6a3fb5", "#cdb6ff"),
}

# Badges carry their own background, so they read on any palette.
SANDBOX_BADGE = (
    "background: #f6c026; color: #1d1d1d; font-weight: 700; border-radius: 3px; padding: 1px 6px;"
)
REDIRECT_BADGE = (
    "background: #a65300; color: white; font-weight: 600; border-radius: 3px; padding: 1px 6px;"
)
# Kept for callers that still import it; new code uses title() (it scales with the font).
TITLE = "font-weight: 600;"
MONOSPACE = "font-family: monospace;"
EMPTY_STATE_PADDING = "padding: 24px;"


def _palette() -> QPalette:
    return QGuiApplication.palette()


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or _palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colour(role: Role, palette: QPalette | None = None) -> QColor:
    """The opaque colour of `role` on `palette` (the application's by default)."""
    palette = palette or _palette()
    if role is Role.TEXT:
        return palette.color(QPalette.ColorRole.WindowText)
    if role is Role.MUTED:
        # PlaceholderText is half-transparent text: blend it with the window so rich text
        # and style sheets, which want an opaque colour, get what the palette means.
        fg = palette.color(QPalette.ColorRole.PlaceholderText)
        bg = palette.color(QPalette.ColorRole.Window)
        a = fg.alphaF()
        return QColor.fromRgbF(
            fg.redF() * a + bg.redF() * (1 - a),
            fg.greenF() * a + bg.greenF() * (1 - a),
            fg.blueF() * a + bg.blueF() * (1 - a),
        )
    light, dark = _HUES[role]
    return QColor(dark if is_dark(palette) else light)


def css(role: Role | None, bold: bool = False, extra: str = "") -> str:
    """A widget style sheet: `role`'s colour (None: the palette's own), bold or not."""
    parts = [f"color: {colour(role).name()};"] if role is not None else []
    if bold:
        parts.append("font-weight: 600;")
    if extra:
        parts.append(extra)
    return " ".join(parts)


def span(role: Role, text: str, bold: bool = False, escape: bool = True) -> str:
    """`text` in `role`'s colour for a rich-text label (escaped unless it is HTML already)."""
    body = html.escape(text) if escape else text
    if bold:
        body = f"<b>{body}</b>"
    return f"<span style='color:{colour(role).name()}'>{body}</span>"


def title() -> str:
    """A heading's style sheet: 1.4 times the user's font size (so it follows the system's
    font setting, never a fixed size), bold, in the palette's text colour (set explicitly:
    an inherited colour from a parent's style sheet must not make it vanish on dark)."""
    size = QGuiApplication.font().pointSizeF()
    size = 1.4 * (size if size > 0 else 10.0)
    return css(Role.TEXT, bold=True, extra=f"font-size: {size:.1f}pt;")


def empty_state() -> str:
    """The big centred message a table panel shows instead of an empty table."""
    return css(Role.MUTED, extra=EMPTY_STATE_PADDING)
