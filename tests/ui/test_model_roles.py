"""The table models answer the display text and `roles.CELL_ROLES` only (every other role a
view asks each cell for is None at once, see `ui/models/roles.py`): every role a model
names must be listed there, or its answer would never reach the view."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt

import loquent_desktop.ui as ui
from loquent_desktop.domain.history_records import HistoryPage, MessageRecord
from loquent_desktop.ui.models.messages_model import MessagesModel
from loquent_desktop.ui.models.roles import CELL_ROLES

BASES = ("FilteredTableModel", "HistoryTableModel")
ROLE = re.compile(r"ItemDataRole\.(\w+)")


def test_every_role_the_table_models_name_is_answered() -> None:
    unlisted = []
    for path in sorted(Path(ui.__file__).parent.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if not any(base in source for base in BASES):
            continue
        for number, line in enumerate(source.splitlines(), 1):
            for name in ROLE.findall(line):
                role = int(getattr(Qt.ItemDataRole, name).value)
                if name != "DisplayRole" and role not in CELL_ROLES:
                    unlisted.append(f"{path.name}:{number}: {name}")
    assert not unlisted, f"add these roles to ui/models/roles.CELL_ROLES: {unlisted}"


def test_a_history_row_answers_its_tooltip_and_colour_and_nothing_else() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    failed = MessageRecord(
        1, 1, "SM" + "1" * 32, None, "+14155550100", "+16465550001", "invoice", "failed",
        "outbound-api", 1, 0, None, None, 30007, "Filtered", None, when, when, when, "import",
        when,
    )  # fmt: skip
    model = MessagesModel()
    model.set_page(HistoryPage([failed], truncated=False, next=None))
    body, status = model.index(0, 5), model.index(0, 4)
    assert model.data(body) == "invoice"
    assert "Error 30007: Filtered" in model.data(body, Qt.ItemDataRole.ToolTipRole)
    assert model.data(status, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(status, Qt.ItemDataRole.DecorationRole) is None
    assert model.data(model.index(5, 0)) is None  # no such row
