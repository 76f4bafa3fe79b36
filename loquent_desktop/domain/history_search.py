"""What a search typed in the history browser means, before any database sees it.

Words are whole words, as the text indexes store them (FTS5's unicode61 on SQLite, a
`simple` tsvector on PostgreSQL): letters and digits, lower-cased; anything else separates
words. A trailing `*` makes a word match every word it begins ("refund*": refunds,
refunded). A number-like word ("+1 (415) 555-0100", "555-0100") is reduced to its digits,
joined with the number-like words next to it, and matches the beginning of a number, of
its last 10 digits or of its last 7: the indexes hold all three, so a number is found
however much of it is typed. Every term must match (AND).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_LIKE = re.compile(r"^[+()\d.\-]*\d[+()\d.\-]*$")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchTerm:
    word: str  # letters and digits only, lower case: safe inside any query syntax
    prefix: bool  # matches words beginning with `word`


def search_terms(text: str) -> tuple[SearchTerm, ...]:
    terms: list[SearchTerm] = []
    digits = ""
    for raw in text.split():
        if _NUMBER_LIKE.match(raw):
            digits += re.sub(r"\D", "", raw)
            continue
        if digits:
            terms.append(SearchTerm(digits, True))
            digits = ""
        words = _WORD.findall(raw.lower())
        for index, word in enumerate(words):
            last = index == len(words) - 1
            terms.append(SearchTerm(word, last and raw.endswith("*")))
    if digits:
        terms.append(SearchTerm(digits, True))
    unique = dict.fromkeys(terms)  # "invoice invoice" is one term
    return tuple(unique)
