"""Changes made on Twilio, as Twilio's Monitor Events record them: who changed a resource
(a user in the Console, API credentials, Twilio itself), from where, when, and which fields.

Pure values and words (no I/O): the Voice routing tab shows them next to Loquent's own
journal, and beside a drift ("changed since Loquent configured it") to say who did it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .voice_route import short_sid
from .voice_routing import FIELDS, FieldChange, shown

# Field labels beyond the voice configuration's (Twilio's snake-case property names).
_OTHER_LABELS = {
    "friendly_name": "Friendly name",
    "sms_url": "SMS URL",
    "sms_method": "SMS method",
    "sms_fallback_url": "SMS fallback URL",
    "sms_fallback_method": "SMS fallback method",
    "sms_application_sid": "SMS TwiML app",
    "account_sid": "Account",
}
_SOURCES = {"web": "from the Console", "api": "through the API", "twilio": "by Twilio"}
# How far this computer's clock may be from Twilio's without losing an explanation.
CLOCK_SLACK = timedelta(minutes=5)
_ACTIONS = {"created": "Bought", "updated": "Changed", "deleted": "Released"}


def field_label(name: str) -> str:
    return FIELDS.get(name) or _OTHER_LABELS.get(name) or name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class PropertyChange:
    name: str  # Twilio's property name, e.g. voice_url
    previous: str | None
    updated: str | None

    @property
    def label(self) -> str:
        return field_label(self.name)

    def describe(self) -> str:
        after = shown(self.name, self.updated) or "(cleared)"
        return f"{self.label} -> {after}"


@dataclass(frozen=True)
class TwilioChange:
    """One Monitor event about a resource (a phone number here)."""

    sid: str  # AE…
    event_type: str  # e.g. phone-number.updated
    event_date: datetime | None
    resource_sid: str | None
    source: str | None  # web (Console), api, twilio
    source_ip_address: str | None
    actor_type: str | None  # user, account, twilio-admin
    # The user (US…) or the credentials (AC…/SK…) that made the change, when Twilio says.
    actor: str | None
    changes: tuple[PropertyChange, ...] = ()
    description: str | None = None
    by_these_credentials: bool = False  # the credentials Loquent uses for this account

    @property
    def action(self) -> str:
        return _ACTIONS.get(self.event_type.rsplit(".", 1)[-1], self.event_type)

    @property
    def how(self) -> str:
        """How it was made: "from the Console", "through the API", …"""
        if self.source is None:
            return ""
        return _SOURCES.get(self.source, f"via {self.source}")

    @property
    def who(self) -> str:
        if self.by_these_credentials:
            return "Loquent (these credentials)"
        if not self.actor:
            return {"twilio-admin": "Twilio staff"}.get(self.actor_type or "", "someone")
        kind = {"US": "user", "SK": "API key", "AC": "account"}.get(self.actor[:2], "actor")
        return f"{kind} {short_sid(self.actor)}"

    def fields_text(self) -> str:
        return "; ".join(change.describe() for change in self.changes)

    def describe(self) -> str:
        """One sentence: "Changed on Twilio 2026-12-01 14:03 UTC from the Console by user US…1a2b
        (203.0.113.7): Voice URL -> https://pbx.example.net/…"."""
        when = f" {self.event_date:%Y-%m-%d %H:%M} UTC" if self.event_date else ""
        how = f" {self.how}" if self.how else ""
        where = f" ({self.source_ip_address})" if self.source_ip_address else ""
        what = self.fields_text()
        return f"{self.action} on Twilio{when}{how} by {self.who}{where}" + (
            f": {what}" if what else ""
        )

    def touches(self, names: Iterable[str]) -> bool:
        wanted = set(names)
        return any(change.name in wanted for change in self.changes)


@dataclass(frozen=True)
class NumberChanges:
    """What Twilio's Monitor says about one number. `problem`, when set, is a plain sentence
    saying why the list could not be read (missing permission, no connection)."""

    number_sid: str
    changes: tuple[TwilioChange, ...] = ()
    problem: str | None = None


def explain_drift(
    drift: Iterable[FieldChange], changes: Iterable[TwilioChange], since: datetime | None
) -> list[TwilioChange]:
    """The recorded changes (newest first) that account for a drift: those to a drifted
    field made after Loquent configured the number. "After" is read off Twilio's own order
    (newer than Loquent's own change in the list) when Loquent's change is listed, since
    this computer's clock and Twilio's may differ; otherwise from `since`, less that slack."""
    fields = {c.field for c in drift}
    if not fields:
        return []
    found: list[TwilioChange] = []
    for change in changes:
        if change.by_these_credentials and change.touches(fields):
            return found  # Loquent's own change: everything older came before it
        if change.touches(fields):
            found.append(change)
    if since is None:
        return found
    earliest = since - CLOCK_SLACK
    return [c for c in found if c.event_date is None or c.event_date >= earliest]
