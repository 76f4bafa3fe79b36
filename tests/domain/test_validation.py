"""Shape checks on what users type: each bad input gets a message that says what is wrong."""

import pytest

from loquent_desktop.domain import validation
from loquent_desktop.domain.errors import InvalidInput

GOOD_SID = "AC" + "0123456789abcdef" * 2
GOOD_TOKEN = "f" * 32


def test_account_sid_is_trimmed() -> None:
    assert validation.account_sid(f"  {GOOD_SID}\n") == GOOD_SID


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "Enter the Account SID"),
        ("AC123", "not complete: it has 5 characters"),
        ("SK" + "0" * 32, "API key"),
        ("AC" + "z" * 32, "hexadecimal"),
        (GOOD_SID + "0", "35 characters"),
    ],
)
def test_bad_account_sid_says_why(value: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validation.account_sid(value)
    assert words in str(err.value)
    assert err.value.field == "account_sid"


@pytest.mark.parametrize("token", ["abc def" + "0" * 26, "0" * 16 + "\t" + "0" * 16])
def test_token_with_inner_spaces_is_refused(token: str) -> None:
    with pytest.raises(InvalidInput, match="spaces"):
        validation.auth_token(token)


def test_token_outer_whitespace_is_trimmed() -> None:
    assert validation.auth_token(f" {GOOD_TOKEN} ") == GOOD_TOKEN


def test_api_key_sid_rules() -> None:
    assert validation.api_key_sid("SK" + "a" * 32) == "SK" + "a" * 32
    with pytest.raises(InvalidInput, match="starts with SK"):
        validation.api_key_sid(GOOD_SID)


def test_mask_sid_shows_only_prefix_and_last_four() -> None:
    assert validation.mask_sid(GOOD_SID) == "AC••••••••cdef"
    assert GOOD_SID[2:-4] not in validation.mask_sid(GOOD_SID)
    assert validation.mask_sid(None) == "—"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+1 (415) 555-0100", "+14155550100"), ("+44 20 7946 0018", "+442079460018")],
)
def test_e164_normalizes(raw: str, expected: str) -> None:
    assert validation.e164(raw) == expected


@pytest.mark.parametrize("raw", ["hello", "+1 415", ""])
def test_e164_refuses_non_numbers(raw: str) -> None:
    with pytest.raises(InvalidInput):
        validation.e164(raw)


def test_https_url_required() -> None:
    assert validation.https_url(" https://x.example/voice ") == "https://x.example/voice"
    with pytest.raises(InvalidInput, match="https://"):
        validation.https_url("http://x.example/voice")


def test_https_url_refuses_embedded_credentials() -> None:
    with pytest.raises(InvalidInput, match="password"):
        validation.https_url("https://user:secret@voice.example/hook")
