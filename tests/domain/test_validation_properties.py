"""Property tests for what users type and what Twilio sends: every input either passes in a
normalized form or is refused with InvalidInput, never another exception; normalizing twice
changes nothing; and no message repeats a password written into an address."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loquent_desktop.domain import validation
from loquent_desktop.domain.errors import InvalidInput, TwilioApiError
from loquent_desktop.store.repositories.history_rows import as_date, sqlite_date
from loquent_desktop.store.repositories.history_sql import native_for
from loquent_desktop.store.repositories.phone_numbers import parse_twilio_date
from loquent_desktop.twilio_api.errors import message_for, normalize
from loquent_desktop.twilio_api.routing import check_target

HEX = "0123456789abcdefABCDEF"
hex32 = st.text(alphabet=HEX, min_size=32, max_size=32)
blank = st.text(alphabet=" \t\r\n", max_size=3)
anything = st.text(max_size=80)

settings.register_profile("loquent", max_examples=300, deadline=None)
settings.load_profile("loquent")


def outcome(check, value):  # type: ignore[no-untyped-def]
    """The normalized value, or None when refused with InvalidInput (any other exception
    fails the test)."""
    try:
        return check(value)
    except InvalidInput as err:
        assert str(err)  # a sentence the user can read
        return None


@given(hex32, blank, blank)
def test_an_account_sid_with_white_space_around_is_accepted(digits, before, after) -> None:
    assert validation.account_sid(f"{before}AC{digits}{after}") == f"AC{digits}"


@given(anything)
def test_account_sid_passes_only_the_exact_shape(value) -> None:
    sid = outcome(validation.account_sid, value)
    if sid is not None:
        assert len(sid) == 34 and sid.startswith("AC") and all(c in HEX for c in sid[2:])
        assert validation.account_sid(sid) == sid


@given(anything)
def test_api_key_sid_passes_only_the_exact_shape(value) -> None:
    sid = outcome(validation.api_key_sid, value)
    if sid is not None:
        assert len(sid) == 34 and sid.startswith("SK") and all(c in HEX for c in sid[2:])


@given(st.text(max_size=60))
def test_a_secret_is_printable_ascii_without_spaces(value) -> None:
    secret = outcome(lambda v: validation.secret(v, "secret", "API key secret"), value)
    if secret is not None:
        assert secret.isascii() and secret.isprintable()
        assert not any(c.isspace() for c in secret)
        assert len(secret) >= 16


@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=16, max_size=40))
def test_a_pasted_secret_is_kept_exactly(value) -> None:
    assert validation.secret(f" {value}\n", "secret", "API key secret") == value


@given(st.characters().filter(lambda c: not (c.isascii() and c.isprintable()) and c.strip()))
def test_a_secret_with_other_characters_is_refused(odd) -> None:
    with pytest.raises(InvalidInput):
        validation.secret(f"{'a' * 16}{odd}b", "secret", "API key secret")


@given(st.text(max_size=200))
def test_an_organization_name_is_clean_and_stable(value) -> None:
    name = outcome(validation.organization_name, value)
    if name is not None:
        assert name == name.strip() and "  " not in name
        assert 0 < len(name) <= validation.NAME_LIMIT
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name)
        assert validation.organization_name(name) == name


@pytest.mark.parametrize("bad", ["Acme\x00", "Ac\x1b[31mme", "Acme\u202eevil", "A\x7f"])
def test_control_characters_in_a_name_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validation.organization_name(bad)
    assert "control characters" in str(err.value)


@given(anything)
def test_e164_is_plus_and_digits_and_stable(value) -> None:
    number = outcome(validation.e164, value)
    if number is not None:
        assert number.startswith("+") and number[1:].isdigit()
        assert validation.e164(number) == number


@given(anything)
def test_https_url_never_raises_anything_else(value) -> None:
    url = outcome(validation.https_url, value)
    if url is not None:
        assert url.startswith("https://") and not any(c.isspace() for c in url)


password = st.text(alphabet=string.ascii_letters + string.digits, min_size=6, max_size=12)


@given(st.sampled_from(["http", "https", "ftp", "", "http:"]), password, anything)
def test_a_base_url_error_never_repeats_its_password(scheme, secret, rest) -> None:
    secret = f"Pw{secret}"
    rest = rest.replace(secret, "")
    url = f"{scheme}://admin:{secret}@{rest}"
    try:
        check_target(url)
    except InvalidInput as err:
        assert secret not in str(err)
    else:
        pytest.fail("an address with a password is never accepted")


@given(anything)
def test_https_url_error_never_repeats_a_password(rest) -> None:
    url = f"http://admin:Sup3rSecretPw@{rest.replace('Sup3rSecretPw', '')}"
    with pytest.raises(InvalidInput) as err:
        validation.https_url(url)
    assert "Sup3rSecretPw" not in str(err.value)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 1, 1)))
def test_twilio_dates_read_back_exactly(moment) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    rfc = moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    assert as_date(rfc) == moment
    assert parse_twilio_date(rfc) == moment
    # The sync's shortcut to SQLite's stored text agrees with the datetime route.
    assert sqlite_date(rfc) == native_for("sqlite").when(moment)
    assert parse_twilio_date(moment.isoformat().replace("+00:00", "Z")) == moment


@given(st.integers(min_value=100, max_value=599), st.one_of(st.none(), st.integers()), anything)
def test_every_error_answer_becomes_a_sentence(status, code, text) -> None:
    message = message_for(status, code, text)
    assert message and "\x1b" not in message


class _Answer:
    def __init__(self, status: int, text: str) -> None:
        self.status_code = status
        self.text = text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@given(st.integers(min_value=400, max_value=599), st.one_of(anything, json_values.map(json.dumps)))
def test_any_list_error_body_is_normalized(status, body) -> None:
    from twilio.base.exceptions import TwilioException

    err = normalize(TwilioException("Unable to fetch page", _Answer(status, body)))
    assert isinstance(err, TwilioApiError)
    assert err.status == status and str(err)


@given(st.sampled_from(["Mon, 31 Feb 2026 10:00:00 +0000", "Tue, 24 Nov 2026 24:00:00 +0000",
                        "Tue, 24 Foo 2026 10:00:00 +0000", "2026-11-24T10:00:00Z", "",
                        "Tue, 24 Nov 2026 10:00:00 +0100"]))  # fmt: skip
def test_unusual_dates_take_the_checked_route(text: str) -> None:
    """What the shortcut does not recognise goes through `as_date`, which refuses dates
    that do not exist rather than storing them."""
    try:
        expected = native_for("sqlite").when(as_date(text))
    except (ValueError, TypeError) as err:
        with pytest.raises(type(err)):
            sqlite_date(text)
    else:
        assert sqlite_date(text) == expected
