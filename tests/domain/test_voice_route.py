"""Who answers a number: Twilio's precedence (trunk → app → URL) and Loquent's URL match,
plus the search query checks that run before anything is sent."""

import pytest

from loquent_desktop.domain.errors import InvalidInput
from loquent_desktop.domain.numbers import (
    OwnedNumber,
    SearchQuery,
    SearchResult,
    capabilities_text,
    country_of,
)
from loquent_desktop.domain.voice_route import (
    RouteKind,
    effective_voice_route,
    is_loquent_url,
    mask_url_password,
    sms_route_text,
)

LOQUENT = "https://voice.loquent.app/twilio/voice"
TK = "TK" + "0" * 28 + "a1b2"
AP = "AP" + "0" * 28 + "c3d4"


def test_trunk_wins_over_app_and_url() -> None:
    route = effective_voice_route(TK, AP, "https://crm.example.com/voice", LOQUENT)
    assert route.kind is RouteKind.TRUNK
    assert route.describe() == "SIP trunk TK…a1b2"


def test_app_wins_over_url_even_when_url_is_loquent() -> None:
    route = effective_voice_route(None, AP, LOQUENT, LOQUENT)
    assert route.kind is RouteKind.APP
    assert route.describe() == "TwiML app AP…c3d4"


def test_foreign_url_is_shown_as_itself() -> None:
    route = effective_voice_route(None, None, "https://crm.example.com/voice", LOQUENT)
    assert route.kind is RouteKind.URL
    assert route.describe() == "https://crm.example.com/voice"


def test_no_route_says_nobody() -> None:
    route = effective_voice_route("", "", "", LOQUENT)
    assert route.kind is RouteKind.NONE
    assert route.describe() == "Nobody (no voice URL)"


@pytest.mark.parametrize(
    ("url", "ours"),
    [
        (LOQUENT, True),
        (LOQUENT + "/", True),
        (LOQUENT + "/org-12", True),
        (LOQUENT + "?org=12", True),
        ("https://VOICE.loquent.app/twilio/voice/x", True),
        ("https://voice.loquent.app/twilio/voicemail", False),  # not the same path segment
        ("http://voice.loquent.app/twilio/voice", False),  # not https
        ("https://voice.loquent.app.evil.example/twilio/voice", False),
        ("https://crm.example.com/twilio/voice", False),
    ],
)
def test_loquent_url_match(url: str, ours: bool) -> None:
    assert is_loquent_url(url, LOQUENT) is ours
    kind = effective_voice_route(None, None, url, LOQUENT).kind
    assert kind is (RouteKind.LOQUENT if ours else RouteKind.URL)
    if ours:
        assert effective_voice_route(None, None, url, LOQUENT).describe() == "Loquent"


def test_sms_route_text() -> None:
    assert sms_route_text(AP, "https://crm.example.com/sms") == "TwiML app AP…c3d4"
    assert sms_route_text(None, "https://crm.example.com/sms") == "https://crm.example.com/sms"
    assert sms_route_text(None, None) == "Nobody (no SMS URL)"


def test_owned_number_store_dict_and_capabilities() -> None:
    number = OwnedNumber(
        "PN" + "1" * 32,
        "+14155550100",
        capabilities={"voice": True, "sms": True, "mms": False, "fax": False},
        trunk_sid=TK,
    )
    assert number.capabilities_text == "Voice, SMS"
    assert capabilities_text({}) == "None"
    assert number.voice_route(LOQUENT).kind is RouteKind.TRUNK
    stored = number.to_store_dict()
    assert stored["sid"] == number.sid and stored["trunk_sid"] == TK
    assert country_of("+442079460000") == "GB"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"area_code": "(415)"}, "area_code", "digits only"),
        ({"contains": "55-5"}, "contains", "digits, letters and *"),
        ({"contains": "*5*"}, "contains", "at least two"),
        ({"near_number": "call me"}, "near_number", "not a phone number"),
        ({"country": "USA"}, "country", "two-letter"),
        ({"in_postal_code": "941<05"}, "in_postal_code", "postal code"),
    ],
)
def test_search_query_rejects_bad_input(changes: dict, field: str, text: str) -> None:
    with pytest.raises(InvalidInput, match=text) as caught:
        SearchQuery(**changes).validate()
    assert caught.value.field == field


def test_search_query_normalizes() -> None:
    query = SearchQuery(country=" us ", area_code=" 415 ", near_number="+1 (415) 555-0100")
    clean = query.validate()
    assert (clean.country, clean.area_code, clean.near_number) == ("US", "415", "+14155550100")


def test_search_result_messages() -> None:
    query = SearchQuery(area_code="999", sms=True)
    empty = SearchResult.from_numbers(query, [])
    assert empty.message is not None and "area code 999" in empty.message
    assert "fewer required capabilities" in empty.message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://crm:s3cr3t@hooks.example.com/voice?x=1",
            "https://crm:••••@hooks.example.com/voice?x=1",
        ),
        ("https://:s3cr3t@hooks.example.com/", "https://:••••@hooks.example.com/"),
        ("https://crm@hooks.example.com/voice", "https://crm@hooks.example.com/voice"),
        ("https://hooks.example.com/voice", "https://hooks.example.com/voice"),
        ("http://[broken", "http://[broken"),
    ],
)
def test_url_passwords_are_masked(url: str, shown: str) -> None:
    assert mask_url_password(url) == shown


def test_who_answers_and_sms_route_never_show_a_password() -> None:
    route = effective_voice_route(None, None, "https://pbx:hunter2@pbx.example.net/in", None)
    assert route.describe() == "https://pbx:••••@pbx.example.net/in"
    assert route.target == "https://pbx:hunter2@pbx.example.net/in"  # kept for writes/restore
    sms = sms_route_text(None, "https://bot:hunter2@sms.example.net/in")
    assert sms == "https://bot:••••@sms.example.net/in"
