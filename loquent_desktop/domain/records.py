"""Frozen records of what the app keeps locally: organizations, imported numbers and journal
entries. The store returns them (safe to hand to another thread) and the UI shows them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from .validation import mask_sid
from .voice_route import VoiceConfig


@dataclass(frozen=True)
class OrganizationRecord:
    id: int
    name: str
    keychain_id: str
    byo_twilio: bool
    twilio_account_sid: str | None
    credential_kind: str | None
    api_key_sid: str | None
    account_friendly_name: str | None
    account_status: str | None
    account_type: str | None
    credentials_verified_at: datetime | None
    voice_url: str | None
    events_url: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_connected(self) -> bool:
        """BYO credentials were validated and saved (the keychain holds the secret)."""
        return self.twilio_account_sid is not None

    @property
    def masked_account_sid(self) -> str:
        return mask_sid(self.twilio_account_sid)

    def effective_voice_url(self, default: str) -> str:
        return self.voice_url or default

    def effective_events_url(self, default: str) -> str:
        return self.events_url or default


@dataclass(frozen=True)
class PhoneNumberRecord:
    id: int
    organization_id: int
    sid: str
    phone_number: str
    friendly_name: str | None
    capabilities: dict[str, Any] | None
    iso_country: str | None
    address_requirements: str | None
    voice_url: str | None
    voice_method: str | None
    voice_fallback_url: str | None
    voice_fallback_method: str | None
    voice_application_sid: str | None
    trunk_sid: str | None
    status_callback: str | None
    status_callback_method: str | None
    sms_url: str | None
    sms_method: str | None
    sms_application_sid: str | None
    date_created: datetime | None
    date_updated: datetime | None
    previous_voice_url: str | None
    previous_voice_method: str | None
    previous_voice_fallback_url: str | None
    previous_voice_fallback_method: str | None
    previous_voice_application_sid: str | None
    previous_trunk_sid: str | None
    previous_status_callback: str | None
    previous_status_callback_method: str | None
    previous_date_updated: datetime | None
    snapshot_taken_at: datetime | None
    loquent_voice_url: str | None
    routed_config: dict[str, Any] | None
    routed_at: datetime | None
    source: str
    imported_at: datetime | None
    routed_to_loquent: bool

    @property
    def voice_config(self) -> VoiceConfig:
        return VoiceConfig.of(self)

    @property
    def previous_voice_config(self) -> VoiceConfig | None:
        """The saved pre-Loquent configuration, or None when no snapshot exists."""
        if self.snapshot_taken_at is None:
            return None
        return VoiceConfig(
            voice_url=self.previous_voice_url,
            voice_method=self.previous_voice_method,
            voice_fallback_url=self.previous_voice_fallback_url,
            voice_fallback_method=self.previous_voice_fallback_method,
            voice_application_sid=self.previous_voice_application_sid,
            trunk_sid=self.previous_trunk_sid,
            status_callback=self.previous_status_callback,
            status_callback_method=self.previous_status_callback_method,
            date_updated=self.previous_date_updated,
        )

    @property
    def routed_voice_config(self) -> VoiceConfig | None:
        """What Twilio confirmed right after Loquent's last routing change."""
        if not self.routed_config:
            return None
        names = {f.name for f in fields(VoiceConfig)} - {"date_updated"}
        return VoiceConfig(**{k: v for k, v in self.routed_config.items() if k in names})

    def capability(self, name: str) -> bool:
        return bool((self.capabilities or {}).get(name.lower(), False))


@dataclass(frozen=True)
class JournalRecord:
    id: int
    organization_id: int | None
    organization_name: str
    action: str
    title: str
    plan: dict[str, Any]
    outcome: str | None
    error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class LeaseRecord:
    """Who holds a lease on a piece of work, on which computer, since when."""

    name: str
    holder: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime
