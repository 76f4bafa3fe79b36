"""Tab names as people type them (`--tab voice`, `--tab Journal`, `--tab rec`)."""

from __future__ import annotations

import re

# Words that name a tab without being in its title.
ALIASES = {"history": "sync", "events": "sync", "event streams": "sync", "trunks": "recordings"}


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.replace("&", "")).strip().lower()


def match_tab(names: list[str], wanted: str) -> int | None:
    """The index in `names` that `wanted` means: the exact name, then an alias, then a unique
    name that starts with it or has a word that does. None when nothing or several match."""
    key = _norm(wanted)
    if not key:
        return None
    normed = [_norm(n) for n in names]
    if key in normed:
        return normed.index(key)
    if key in ALIASES and ALIASES[key] in normed:
        return normed.index(ALIASES[key])
    for test in (
        lambda n: n.startswith(key),
        lambda n: any(word.startswith(key) for word in n.split()),
    ):
        hits = [i for i, n in enumerate(normed) if test(n)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            return None
    return None
