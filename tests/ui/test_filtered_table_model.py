"""FilteredTableModel keeps every row's sorted order between keystrokes and narrows a filter
from the last one's matches: whatever the sequence of filters, sorts and reloads, the rows shown
are exactly the items holding every word, in the order a fresh stable sort gives."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt

from loquent_desktop.ui.models.filtered_table_model import FilteredTableModel

WORDS = ["north", "south", "sales", "support", "seattle", "boston", "pbx", "after-hours"]


class Pairs(FilteredTableModel[tuple[str, str]]):
    COLUMNS = ("Name", "Place")

    def row_texts(self, item: tuple[str, str]) -> tuple[str, ...]:
        return item


def expected(items: list[tuple[str, str]], text: str, sort: tuple[int, bool] | None) -> list:
    words = text.lower().split()
    rows = [item for item in items if all(w in "\t".join(item).lower() for w in words)]
    if sort is not None:
        column, descending = sort
        rows.sort(key=lambda item: item[column].lower(), reverse=descending)
    return rows


def shown(model: Pairs) -> list[tuple[str, str]]:
    return [model.item_at(row) for row in range(model.rowCount())]


def test_filters_sorts_and_reloads_show_exactly_the_matches_in_order(qapp) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)

    def some_items(count: int) -> list[tuple[str, str]]:
        return [(f"{rng.choice(WORDS)} {i % 13}", rng.choice(WORDS).title()) for i in range(count)]

    items = some_items(400)
    model = Pairs()
    model.set_items(items)
    sort: tuple[int, bool] | None = None
    text = ""
    checked = 0
    for step in range(300):
        action = rng.random()
        if action < 0.55:  # type one more letter of a word, or start another word
            word = rng.choice(WORDS)
            text = (text + " " + word[: rng.randint(1, len(word))]).strip()
        elif action < 0.7:  # delete the last letter
            text = text[:-1]
        elif action < 0.8:
            text = ""
        elif action < 0.93:
            sort = (rng.randint(0, 1), rng.random() < 0.5)
            model.sort(
                sort[0], Qt.SortOrder.DescendingOrder if sort[1] else Qt.SortOrder.AscendingOrder
            )
        else:
            items = some_items(rng.randint(0, 400))
            model.set_items(items)
        model.set_filter(text)
        assert shown(model) == expected(items, text, sort), (step, text, sort)
        checked += len(shown(model))
    assert checked > 1000  # the walk showed rows, not only empty results
