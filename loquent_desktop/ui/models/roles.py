"""The item roles the table models answer besides the display text.

A view asks each painted cell for about ten roles, and each ask is a Python call. The
models answer the display text at once and every role outside `CELL_ROLES` with None,
without going into `cell_data`: a repaint of a 35-row history table made 4,400 such calls,
a third of its time. A model that starts answering another role adds it here
(`tests/ui/test_model_roles.py` checks that every role the models name is listed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
CELL_ROLES = frozenset(
    int(role.value)
    for role in (
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
)
