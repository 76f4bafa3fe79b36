"""What we keep of a Twilio Account: only the fields we show.

The Account resource JSON carries the account's auth token, so the raw payload is never
stored, cached or logged; it is reduced to this value right where it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountInfo:
    sid: str
    friendly_name: str | None
    status: str | None  # active, suspended, closed
    type: str | None  # Trial or Full
    # False when an API key may not read the Account resource (Standard/Restricted keys):
    # the credentials were validated with a list call instead.
    details_available: bool = True
