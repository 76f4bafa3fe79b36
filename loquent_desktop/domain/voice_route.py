"""Who answers a number's calls and messages, by Twilio's own precedence rules.

Twilio ignores a number's `voice_url` while `trunk_sid` or `voice_application_sid` is set
(GUIDE §3), so "who answers" cannot be read off the Voice URL column alone: a number with a
CRM's URL still rings the PBX if a SIP trunk is attached. This module is the one place that
applies the precedence, so the Numbers tab, the CSV export and the routing plans agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

# What replaces a password found in a URL's userinfo (never shown, never exported).
MASK = "••••"


class RouteKind(StrEnum):
    TRUNK = "trunk"
    APP = "app"
    URL = "url"  # a Voice URL that is not Loquent's: another platform answers
    LOQUENT = "loquent"
    NONE = "none"


def short_sid(sid: str) -> str:
    """TK…a1b2: enough to tell two trunks apart in a table, short enough for a column."""
    return f"{sid[:2]}…{sid[-4:]}" if len(sid) > 6 else sid


def mask_url_password(url: str) -> str:
    """`https://user:secret@host/path` -> `https://user:••••@host/path`.

    Twilio documents Basic-auth credentials inside webhook URLs, so a third party's Voice or
    SMS URL may carry a password. Every place that shows or exports a URL goes through here;
    URLs without a password come back unchanged (byte for byte).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url  # not a URL Python can parse; nothing we could mask reliably
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


@dataclass(frozen=True)
class VoiceRoute:
    kind: RouteKind
    target: str | None  # trunk/app SID or the URL; None for NONE

    def describe(self) -> str:
        """The "who answers" text shown to the account manager."""
        if self.kind is RouteKind.TRUNK:
            return f"SIP trunk {short_sid(self.target or '')}"
        if self.kind is RouteKind.APP:
            return f"TwiML app {short_sid(self.target or '')}"
        if self.kind is RouteKind.URL:
            return mask_url_password(self.target or "")
        if self.kind is RouteKind.LOQUENT:
            return "Loquent"
        return "Nobody (no voice URL)"

    @property
    def is_loquent(self) -> bool:
        return self.kind is RouteKind.LOQUENT


def is_loquent_url(url: str, loquent_voice_url: str) -> bool:
    """True for the organization's Loquent URL itself, or any https URL on the same origin
    under the same path (Loquent may add a per-number segment or query string).

    The path match is per segment: `/twilio/voice` covers `/twilio/voice/abc` but not
    `/twilio/voicemail`, which could belong to someone else on a shared host.
    """
    if not url or not loquent_voice_url:
        return False
    if url.strip() == loquent_voice_url.strip():
        return True
    ours, theirs = urlsplit(loquent_voice_url.strip()), urlsplit(url.strip())
    if theirs.scheme.lower() != "https" or ours.scheme.lower() != "https":
        return False
    if theirs.netloc.lower() != ours.netloc.lower():
        return False
    prefix = ours.path.rstrip("/")
    path = theirs.path.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


def effective_voice_route(
    trunk_sid: str | None,
    voice_application_sid: str | None,
    voice_url: str | None,
    loquent_voice_url: str | None,
) -> VoiceRoute:
    """Twilio's precedence: SIP trunk, then TwiML app, then Voice URL."""
    if trunk_sid:
        return VoiceRoute(RouteKind.TRUNK, trunk_sid)
    if voice_application_sid:
        return VoiceRoute(RouteKind.APP, voice_application_sid)
    if voice_url:
        if loquent_voice_url and is_loquent_url(voice_url, loquent_voice_url):
            return VoiceRoute(RouteKind.LOQUENT, voice_url)
        return VoiceRoute(RouteKind.URL, voice_url)
    return VoiceRoute(RouteKind.NONE, None)


def sms_route_text(sms_application_sid: str | None, sms_url: str | None) -> str:
    """Who receives inbound SMS; an SMS application wins over the SMS URL, as for voice."""
    if sms_application_sid:
        return f"TwiML app {short_sid(sms_application_sid)}"
    if sms_url:
        return mask_url_password(sms_url)
    return "Nobody (no SMS URL)"


@dataclass(frozen=True)
class VoiceConfig:
    """Everything that decides where a number's inbound calls go (see GUIDE §3: voice_url is
    ignored while voice_application_sid or trunk_sid is set), plus Twilio's date_updated."""

    voice_url: str | None = None
    voice_method: str | None = None
    voice_fallback_url: str | None = None
    voice_fallback_method: str | None = None
    voice_application_sid: str | None = None
    trunk_sid: str | None = None
    status_callback: str | None = None
    status_callback_method: str | None = None
    date_updated: datetime | None = None

    @classmethod
    def of(cls, source: object) -> VoiceConfig:
        """The voice fields of anything that has them (a Twilio record, a stored number)."""
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})
