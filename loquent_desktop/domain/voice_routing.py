"""Voice routing rules: what "point at Loquent" writes, what "restore" writes back, and how
to tell that someone changed a number since Loquent configured it.

Pure functions over `VoiceConfig` (no I/O), so the plan shown in the dialog, the request sent
to Twilio and the check after it are all derived from the same values.

Empty and missing are the same thing here: Twilio clears a field when it is sent an empty
string and may report a cleared URL as "" or null, so comparisons treat both as "not set".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .voice_route import (
    RouteKind,
    VoiceConfig,
    VoiceRoute,
    effective_voice_route,
    is_loquent_url,
    mask_url_password,
)

LOQUENT_METHOD = "POST"

# The fields a routing change snapshots and restores, in the order plans list them, with the
# words the account manager sees. date_updated is Twilio's, never written.
FIELDS: dict[str, str] = {
    "voice_url": "Voice URL",
    "voice_method": "Voice method",
    "voice_fallback_url": "Fallback URL",
    "voice_fallback_method": "Fallback method",
    "voice_application_sid": "TwiML app",
    "trunk_sid": "SIP trunk",
    "status_callback": "Status callback URL",
    "status_callback_method": "Status callback method",
}
_URL_FIELDS = ("voice_url", "voice_fallback_url", "status_callback")
# Twilio falls back to POST for a method it was sent empty; a snapshot without one (an old
# record, an emulator without methods) therefore compares equal to POST.
_METHOD_FIELDS = ("voice_method", "voice_fallback_method", "status_callback_method")


def _norm(name: str, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if name in _METHOD_FIELDS:
        return (text or "POST").upper()
    return text


@dataclass(frozen=True)
class FieldChange:
    field: str  # VoiceConfig attribute
    before: str | None
    after: str | None

    @property
    def label(self) -> str:
        return FIELDS[self.field]


def differences(before: VoiceConfig, after: VoiceConfig) -> list[FieldChange]:
    """Every routing field whose value differs (ignoring date_updated), in plan order."""
    return [
        FieldChange(name, getattr(before, name), getattr(after, name))
        for name in FIELDS
        if _norm(name, getattr(before, name)) != _norm(name, getattr(after, name))
    ]


def same_routing(a: VoiceConfig, b: VoiceConfig) -> bool:
    return not differences(a, b)


def loquent_config(current: VoiceConfig, loquent_url: str) -> VoiceConfig:
    """`current` with inbound calls sent to Loquent: the Voice URL and its method, and no
    TwiML app or trunk (either would make Twilio ignore the URL). Fallback and status
    callback stay as they are: they belong to the customer and Loquent does not need them."""
    return replace(
        current,
        voice_url=loquent_url,
        voice_method=LOQUENT_METHOD,
        voice_application_sid=None,
        trunk_sid=None,
        date_updated=None,
    )


def points_at_loquent(config: VoiceConfig, loquent_urls: str | tuple[str, ...]) -> bool:
    """Calls reach Loquent: by Twilio's precedence the Voice URL answers, and it is one of
    Loquent's URLs (today's, or one Loquent wrote earlier under another setting)."""
    urls = (loquent_urls,) if isinstance(loquent_urls, str) else loquent_urls
    if config.trunk_sid or config.voice_application_sid or not config.voice_url:
        return False
    return any(is_loquent_url(config.voice_url, url) for url in urls if url)


def update_params(target: VoiceConfig, names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Keyword arguments for `IncomingPhoneNumberContext.update_async`: the named fields of
    `target`, with "" for a field that must be cleared (None would not be sent at all). A
    method is never sent empty: Twilio's default, POST, is sent instead."""
    values = {name: getattr(target, name) for name in names}
    return {
        name: _norm(name, value)
        if name in _METHOD_FIELDS
        else ("" if value is None else str(value))
        for name, value in values.items()
    }


def sent_fields_match(
    live: VoiceConfig, target: VoiceConfig, names: list[str] | tuple[str, ...]
) -> bool:
    """Twilio reports the values we sent (other fields may have moved meanwhile: not ours)."""
    return all(_norm(n, getattr(live, n)) == _norm(n, getattr(target, n)) for n in names)


def restore_params(previous: VoiceConfig) -> dict[str, str]:
    """Restore writes every saved field back, empty ones included: a number that had no
    Voice URL before Loquent must have none afterwards."""
    return update_params(previous, tuple(FIELDS))


def shown(name: str, value: str | None) -> str:
    """A field value as the plan and the tables show it (URL passwords masked)."""
    if value in (None, ""):
        return ""
    text = str(value)
    return mask_url_password(text) if name in _URL_FIELDS else text


def is_ours(url: str | None, loquent_url: str) -> bool:
    return bool(url) and is_loquent_url(str(url), loquent_url)


@dataclass(frozen=True)
class NumberRouting:
    """One imported number as the Voice routing tab shows it: the live configuration read
    from Twilio just now, and what Loquent remembers about it."""

    sid: str
    phone_number: str
    friendly_name: str | None
    loquent_url: str  # the organization's Loquent Voice URL today
    live: VoiceConfig | None  # None: could not be read (see `problem`)
    previous: VoiceConfig | None = None  # the saved pre-Loquent configuration
    snapshot_taken_at: datetime | None = None
    written_url: str | None = None  # the Voice URL Loquent wrote (configure or purchase)
    routed: VoiceConfig | None = None  # what Twilio confirmed after Loquent's change
    routed_at: datetime | None = None
    problem: str | None = None
    # Other URLs that are Loquent's (the app's default, one written under an older setting):
    # a number on one of them is never snapshotted as a customer's "previous" routing.
    other_loquent_urls: tuple[str, ...] = ()

    @property
    def loquent_urls(self) -> tuple[str, ...]:
        extra = (self.written_url,) if self.written_url else ()
        return (self.loquent_url, *extra, *self.other_loquent_urls)

    @property
    def route(self) -> VoiceRoute | None:
        if self.live is None:
            return None
        live = self.live
        route = effective_voice_route(
            live.trunk_sid, live.voice_application_sid, live.voice_url, self.loquent_url
        )
        if self.points_at_loquent and not route.is_loquent:  # an older Loquent URL
            return VoiceRoute(RouteKind.LOQUENT, live.voice_url)
        return route

    @property
    def points_at_loquent(self) -> bool:
        return self.live is not None and points_at_loquent(self.live, self.loquent_urls)

    @property
    def has_snapshot(self) -> bool:
        return self.previous is not None

    @property
    def expected(self) -> VoiceConfig | None:
        """What the live configuration should be if nobody touched it since Loquent: what
        Twilio confirmed after the change, or (if that was never confirmed) the snapshot
        with Loquent's routing applied."""
        if self.previous is None:
            return None
        if self.routed is not None:
            return self.routed
        return loquent_config(self.previous, self.written_url or self.loquent_url)

    @property
    def drift(self) -> list[FieldChange]:
        """Fields changed since Loquent configured the number (expected -> live)."""
        expected = self.expected
        if expected is None or self.live is None:
            return []
        return differences(expected, self.live)
