"""What a search typed in the history browser means (before any database sees it)."""

from __future__ import annotations

from loquent_desktop.domain.history_search import SearchTerm, search_terms


def test_words_are_whole_lower_case_and_split_as_the_indexes_split_them() -> None:
    assert search_terms("Invoice, PAID") == (
        SearchTerm("invoice", False),
        SearchTerm("paid", False),
    )
    assert search_terms("don't e-mail") == tuple(
        SearchTerm(w, False) for w in ("don", "t", "e", "mail")
    )
    assert search_terms("snake_case") == (SearchTerm("snake", False), SearchTerm("case", False))
    assert search_terms("  ") == () == search_terms("#!?")
    assert search_terms("invoice invoice") == (SearchTerm("invoice", False),)


def test_a_trailing_star_matches_the_beginning_of_words() -> None:
    assert search_terms("refund*") == (SearchTerm("refund", True),)
    assert search_terms("re-fund*") == (SearchTerm("re", False), SearchTerm("fund", True))


def test_numbers_however_typed_become_one_prefix_of_digits() -> None:
    for typed in ("+1 (415) 555-0100", "1 415 555 0100", "+1.415.555.0100"):
        assert search_terms(typed) == (SearchTerm("14155550100", True),), typed
    assert search_terms("call 555-0100 back") == (
        SearchTerm("call", False), SearchTerm("5550100", True), SearchTerm("back", False),
    )  # fmt: skip
