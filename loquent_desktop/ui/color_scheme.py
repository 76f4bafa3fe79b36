"""Light or dark on request (`--color-scheme light|dark`, the readability tests).

Qt 6.8+ lets an application ask for a colour scheme (`QStyleHints.setColorScheme`), but only
platform themes that support it repaint: the offscreen platform (screenshots, tests) and many
Linux desktops keep their light palette. So a requested scheme also switches to the Fusion
style, which paints everything from the palette, and sets a complete palette of that scheme.
Without a request the system's own style and palette stay untouched.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

SCHEMES = ("light", "dark")

_Group = QPalette.ColorGroup
_R = QPalette.ColorRole

# (role, active/inactive colour, disabled colour)
_DARK: tuple[tuple[QPalette.ColorRole, str, str], ...] = (
    (_R.Window, "#2b2b2e", "#2b2b2e"),
    (_R.WindowText, "#e8e8ea", "#8a8a8f"),
    (_R.Base, "#1f1f22", "#262629"),
    (_R.AlternateBase, "#29292d", "#29292d"),
    (_R.ToolTipBase, "#3a3a3f", "#3a3a3f"),
    (_R.ToolTipText, "#f0f0f2", "#f0f0f2"),
    (_R.PlaceholderText, "#a3a3aa", "#7a7a80"),
    (_R.Text, "#e8e8ea", "#8a8a8f"),
    (_R.Button, "#3a3a3f", "#333337"),
    (_R.ButtonText, "#e8e8ea", "#8a8a8f"),
    (_R.BrightText, "#ffffff", "#ffffff"),
    (_R.Light, "#505056", "#505056"),
    (_R.Midlight, "#44444a", "#44444a"),
    (_R.Mid, "#36363b", "#36363b"),
    (_R.Dark, "#18181a", "#18181a"),
    (_R.Shadow, "#0c0c0d", "#0c0c0d"),
    (_R.Highlight, "#3d6fb4", "#4a4a50"),
    (_R.HighlightedText, "#ffffff", "#b0b0b5"),
    (_R.Link, "#9ec5ff", "#7a8fab"),
    (_R.LinkVisited, "#cdb6ff", "#8f84a8"),
)

_LIGHT: tuple[tuple[QPalette.ColorRole, str, str], ...] = (
    (_R.Window, "#efefef", "#efefef"),
    (_R.WindowText, "#1d1d1f", "#8c8c8c"),
    (_R.Base, "#ffffff", "#f4f4f4"),
    (_R.AlternateBase, "#f5f5f6", "#f5f5f6"),
    (_R.ToolTipBase, "#ffffdc", "#ffffdc"),
    (_R.ToolTipText, "#1d1d1f", "#1d1d1f"),
    (_R.PlaceholderText, "#5f5f66", "#9a9aa0"),
    (_R.Text, "#1d1d1f", "#8c8c8c"),
    (_R.Button, "#efefef", "#efefef"),
    (_R.ButtonText, "#1d1d1f", "#8c8c8c"),
    (_R.BrightText, "#ffffff", "#ffffff"),
    (_R.Light, "#ffffff", "#ffffff"),
    (_R.Midlight, "#e3e3e3", "#e3e3e3"),
    (_R.Mid, "#b8b8b8", "#b8b8b8"),
    (_R.Dark, "#9f9f9f", "#9f9f9f"),
    (_R.Shadow, "#767676", "#767676"),
    (_R.Highlight, "#3067c6", "#c8c8c8"),
    (_R.HighlightedText, "#ffffff", "#5a5a5a"),
    (_R.Link, "#1f5fbf", "#6b7d99"),
    (_R.LinkVisited, "#6a3fb5", "#8d7ba8"),
)


def palette_for(scheme: str) -> QPalette:
    """A complete palette of `scheme` ("light" or "dark"), every group and role set, with
    muted text (PlaceholderText) that still passes WCAG AA on the window background."""
    if scheme not in SCHEMES:
        raise ValueError(f"colour scheme must be one of {', '.join(SCHEMES)}")
    palette = QPalette()
    for role, normal, disabled in _DARK if scheme == "dark" else _LIGHT:
        for group in (_Group.Active, _Group.Inactive):
            palette.setColor(group, role, QColor(normal))
        palette.setColor(_Group.Disabled, role, QColor(disabled))
    return palette


def apply_color_scheme(app: QApplication, scheme: str | None) -> None:
    """Use `scheme` for every window opened from now on (None: leave the system's)."""
    if scheme is None:
        return
    palette = palette_for(scheme)
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8+
        hints.setColorScheme(Qt.ColorScheme.Dark if scheme == "dark" else Qt.ColorScheme.Light)
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(palette)
