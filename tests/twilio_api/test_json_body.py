"""Twilio's answers decode with orjson (twilio_api/json_body) exactly as the standard
library's json would, and text that is not JSON is still a clear "unreadable" error."""

from __future__ import annotations

import json

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.twilio_api.incoming_numbers import _decode
from loquent_desktop.twilio_api.json_body import decode

PAGE = {
    "messages": [
        {
            "sid": "SM" + "0" * 32,
            "body": "Café ☕ — “quoted” \\ back\nslash \u2028 and an emoji 😀",
            "num_segments": "1",
            "price": None,
            "price_float": -0.0079,
            "error_code": 30008,
            "big": 2**62,
            "subresource_uris": {"media": "/2010-04-01/Accounts/AC/Messages/SM/Media.json"},
            "flags": [True, False, None],
        }
    ],
    "next_page_uri": None,
    "page": 0,
}


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_page_decodes_as_json_decodes_it(as_bytes: bool) -> None:
    text = json.dumps(PAGE, ensure_ascii=False)
    assert decode(text.encode() if as_bytes else text) == json.loads(text) == PAGE


@pytest.mark.parametrize(
    "text", ['{"messages": [{"sid": "SM1"}', '{"messages": [1,]}', "", "<html>502</html>"]
)
def test_text_that_is_not_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        decode(text)


def test_a_numbers_page_that_is_not_json_says_it_is_unreadable() -> None:
    # Ends like JSON (the HTTP client's quick check for large answers passes it) but is not.
    with pytest.raises(TwilioApiError) as caught:
        _decode('{"incoming_phone_numbers": [{"sid": "PN1",, }]}')
    assert caught.value.kind == "malformed"
    assert "cut off or unreadable" in str(caught.value)
    records, next_uri = _decode('{"incoming_phone_numbers": [{"sid": "PN1"}], "page": 0}')
    assert records == [{"sid": "PN1"}] and next_uri is None
