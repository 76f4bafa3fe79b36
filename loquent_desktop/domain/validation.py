"""Shape checks for what users type, done before any request leaves the machine."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlparse

from .errors import InvalidInput

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")
_AUTH_TOKEN = re.compile(r"^[0-9a-fA-F]{32}$")
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def _describe_length(value: str, expected: int) -> str:
    return f"it has {len(value)} characters, a valid one has {expected}"


def account_sid(value: str) -> str:
    """Return the trimmed Account SID or raise InvalidInput saying what is wrong."""
    sid = (value or "").strip()
    if not sid:
        raise InvalidInput("account_sid", "Enter the Account SID (it starts with AC).")
    if not sid.startswith("AC"):
        hint = (
            " That looks like an API key SID; use it in the API key field."
            if sid.startswith("SK")
            else ""
        )
        raise InvalidInput("account_sid", f"An Account SID starts with AC.{hint}")
    if len(sid) != 34:
        raise InvalidInput(
            "account_sid", f"This Account SID is not complete: {_describe_length(sid, 34)}."
        )
    if not _ACCOUNT_SID.match(sid):
        raise InvalidInput(
            "account_sid", "An Account SID is AC followed by 32 hexadecimal characters (0-9, a-f)."
        )
    return sid


def api_key_sid(value: str) -> str:
    sid = (value or "").strip()
    if not sid:
        raise InvalidInput("api_key_sid", "Enter the API key SID (it starts with SK).")
    if not sid.startswith("SK"):
        raise InvalidInput("api_key_sid", "An API key SID starts with SK.")
    if len(sid) != 34:
        raise InvalidInput(
            "api_key_sid", f"This API key SID is not complete: {_describe_length(sid, 34)}."
        )
    if not _API_KEY_SID.match(sid):
        raise InvalidInput(
            "api_key_sid", "An API key SID is SK followed by 32 hexadecimal characters."
        )
    return sid


# Right-to-left overrides and isolates: they make a name read differently from what it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_LIMIT = 120


def organization_name(value: str) -> str:
    """An organization's name with runs of white space folded to one space. Refuses control
    characters (NUL, escape codes, …), which would corrupt exports and logs or hide part of
    the name."""
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInput("name", "Enter a name for the organization.")
    if any(_is_hidden(ch) for ch in text):
        raise InvalidInput(
            "name",
            "The name contains invisible control characters. Type it again, or paste it as "
            "plain text.",
        )
    if len(text) > NAME_LIMIT:
        raise InvalidInput("name", f"Keep the organization's name under {NAME_LIMIT} characters.")
    return text


def _is_hidden(ch: str) -> bool:
    # Cc: control codes; Cs/Co/Cn: surrogates, private use, unassigned. Other format
    # characters (Cf) such as the zero-width joiner are part of writing some names and emoji.
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") or ch in _BIDI_CONTROLS


def secret(value: str, field: str, label: str) -> str:
    """Trim an Auth Token or API key secret; refuse inner whitespace (a paste gone wrong)
    and anything but printable ASCII, which no Twilio secret contains (sent anyway, Twilio
    answers with a confusing server error)."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, f"Enter the {label}.")
    if any(ch.isspace() for ch in text):
        raise InvalidInput(
            field, f"The {label} contains spaces or line breaks. Copy it again from the Console."
        )
    if not (text.isascii() and text.isprintable()):
        raise InvalidInput(
            field,
            f"The {label} contains characters that no Twilio secret has (only letters and "
            "digits). Copy it again from the Console.",
        )
    if len(text) < 16:
        raise InvalidInput(field, f"The {label} is too short to be valid.")
    return text


def auth_token(value: str) -> str:
    token = secret(value, "auth_token", "Auth Token")
    if not _AUTH_TOKEN.match(token):
        raise InvalidInput("auth_token", "An Auth Token is 32 hexadecimal characters (0-9, a-f).")
    return token


def resource_sid(value: str, prefix: str) -> str:
    sid = (value or "").strip()
    if not (_SID.match(sid) and sid.startswith(prefix)):
        raise InvalidInput("sid", f"'{sid[:40]}' is not a valid {prefix} SID.")
    return sid


def e164(value: str, default_region: str | None = None) -> str:
    """Normalize a phone number to E.164 (+14155550123) or raise InvalidInput."""
    import phonenumbers  # here, not on import: it costs ~40 ms before the window paints

    text = (value or "").strip()
    if not text:
        raise InvalidInput("phone_number", "Enter a phone number.")
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            "phone_number",
            f"'{text[:40]}' is not a phone number. Use the international form, e.g. +14155550123.",
        ) from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(
            "phone_number", f"'{text[:40]}' does not have the right number of digits."
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# The user's own country (ISO 3166 code, from their locale): its numbers are shown in the
# national form people there dial, every other number in the international form. None (no
# locale, or the tests): international for all.
_home_region: str | None = None


def set_home_region(region: str | None) -> None:
    """Called once at start-up with the region of the user's locale."""
    global _home_region
    region = (region or "").upper() or None  # one phonenumbers does not know matches nothing
    if region != _home_region:
        _home_region = region
        format_phone.cache_clear()


# One formatter for every number on screen. Parsing costs ~20 µs a number and tables redraw
# the same ones, so results are kept.
@lru_cache(maxsize=65536)
def format_phone(value: str) -> str:
    """Human format: +1 415-555-0123, or (415) 555-0123 for a user in the US; returns the
    input unchanged when it is not a phone number (client:alice, sip:…)."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    if _home_region is not None and phonenumbers.region_code_for_number(parsed) == _home_region:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(parsed, style)


def without_userinfo(url: str) -> str:
    """An address as it may be shown: whatever stands between '//' and '@' (a user name and
    password) replaced."""
    return re.sub(r"//[^/?#]*@", "//•••@", url)


def https_url(value: str, field: str = "url") -> str:
    text = (value or "").strip()
    try:
        parsed = urlparse(text)
        host = parsed.hostname
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:  # an unbalanced "[" (IPv6 brackets), a port out of range
        parsed, host = urlparse(""), None
    if parsed.scheme != "https" or not host:
        raise InvalidInput(
            field,
            f"'{without_userinfo(text)[:80]}' must be a complete https:// address, e.g. "
            "https://example.com/voice.",
        )
    if any(ch.isspace() for ch in text):
        raise InvalidInput(field, "The address must not contain spaces.")
    if parsed.username is not None or parsed.password is not None:
        # A password in the URL would be shown in plans, the journal and the screen.
        raise InvalidInput(field, "The address must not contain a user name or password.")
    return text


def mask_sid(sid: str | None) -> str:
    """AC••••••••1234: enough to recognise an account, not enough to use it."""
    if not sid:
        return "—"
    if len(sid) < 8:
        return "•" * len(sid)
    return f"{sid[:2]}{'•' * 8}{sid[-4:]}"
