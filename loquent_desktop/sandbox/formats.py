"""Wire formats shared by all resources: SIDs, dates, booleans and phone-number text.

The v2010 API writes dates in RFC 2822 ("Tue, 24 Nov 2026 10:00:00 +0000"); the v1 APIs
(Events, Trunking) use ISO 8601 ("2026-11-24T10:00:00Z"). SIDs are a two-letter prefix plus
32 lowercase hex digits.
"""

from __future__ import annotations

import random
import re
import secrets
from datetime import UTC, datetime

_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def new_sid(prefix: str, rng: random.Random | None = None) -> str:
    """A fresh SID; pass ``rng`` for deterministic seed data."""
    digits = f"{rng.getrandbits(128):032x}" if rng else secrets.token_hex(16)
    return prefix + digits


def is_sid(value: str, prefix: str) -> bool:
    return value.startswith(prefix) and bool(_SID_RE.match(value))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    # By hand: email.utils.format_datetime takes ~4 µs, a third of serving a 1000-row page.
    d = moment.astimezone(UTC)
    return (
        f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year:04d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0000"
    )


def iso8601(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    # Whole seconds: Twilio's timestamps have no fractions, and equality in tests is easier.
    return datetime.now(UTC).replace(microsecond=0)


def parse_bool(value: str | None) -> bool | None:
    """Twilio accepts true/false in any case; anything else counts as "not given"."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


def digits_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


_KEYPAD = {
    **dict.fromkeys("abc", "2"),
    **dict.fromkeys("def", "3"),
    **dict.fromkeys("ghi", "4"),
    **dict.fromkeys("jkl", "5"),
    **dict.fromkeys("mno", "6"),
    **dict.fromkeys("pqrs", "7"),
    **dict.fromkeys("tuv", "8"),
    **dict.fromkeys("wxyz", "9"),
}


def number_pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a Twilio number pattern (digits, ``*`` = any digit, letters = keypad digits).

    Used by AvailablePhoneNumbers ``Contains`` and IncomingPhoneNumbers ``PhoneNumber``:
    both match anywhere in the E.164 digits, and a leading ``+`` is optional.
    """
    parts: list[str] = []
    for ch in pattern.strip().lstrip("+").lower():
        if ch.isdigit():
            parts.append(ch)
        elif ch == "*":
            parts.append(r"\d")
        elif ch in _KEYPAD:
            parts.append(_KEYPAD[ch])
        elif ch in " -().":
            continue  # formatting characters people paste from a display name
        else:
            return None
    return re.compile("".join(parts)) if parts else None


def format_national(e164: str) -> str:
    """The friendly form Twilio uses for a number: "(415) 555-0100" for NANP, E.164 otherwise."""
    if e164.startswith("+1") and len(e164) == 12:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    return e164
