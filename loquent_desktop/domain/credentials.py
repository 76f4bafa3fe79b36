"""Twilio credentials as values, and the one rule that decides which to use.

`repr()` never shows a secret: these objects may end up in logs and tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from . import validation
from .errors import CredentialsMissing


class CredentialKind(StrEnum):
    AUTH_TOKEN = "auth_token"
    API_KEY = "api_key"


class Mode(StrEnum):
    SHARED = "shared"
    BYO = "byo"


@dataclass(frozen=True)
class Credentials:
    """What the twilio library needs: username/password for Basic auth plus the Account SID.

    With an Auth Token the username is the Account SID; with an API key it is the SK SID and
    the Account SID still goes into every URL.
    """

    account_sid: str
    secret: str = field(repr=False)
    api_key_sid: str | None = None

    @property
    def kind(self) -> CredentialKind:
        return CredentialKind.API_KEY if self.api_key_sid else CredentialKind.AUTH_TOKEN

    @property
    def username(self) -> str:
        return self.api_key_sid or self.account_sid

    @property
    def masked_sid(self) -> str:
        return validation.mask_sid(self.account_sid)

    @classmethod
    def from_auth_token(cls, account_sid: str, auth_token: str) -> Credentials:
        return cls(validation.account_sid(account_sid), validation.auth_token(auth_token))

    @classmethod
    def from_api_key(cls, account_sid: str, key_sid: str, key_secret: str) -> Credentials:
        return cls(
            validation.account_sid(account_sid),
            validation.secret(key_secret, "api_key_secret", "API key secret"),
            validation.api_key_sid(key_sid),
        )

    def to_secret_payload(self) -> dict[str, str]:
        """What the keychain keeps (one JSON entry per credential)."""
        payload = {"account_sid": self.account_sid, "secret": self.secret}
        if self.api_key_sid:
            payload["api_key_sid"] = self.api_key_sid
        return payload

    @classmethod
    def from_secret_payload(cls, payload: dict[str, str]) -> Credentials:
        return cls(payload["account_sid"], payload["secret"], payload.get("api_key_sid") or None)


@dataclass(frozen=True)
class ResolvedCredentials:
    """The credentials a Twilio call will use, and whose they are (for messages and plans)."""

    credentials: Credentials
    mode: Mode

    @property
    def billed_party(self) -> str:
        return (
            "the organization's own Twilio account"
            if self.mode is Mode.BYO
            else ("Loquent's shared Twilio account")
        )


def resolve(
    org_name: str,
    byo_twilio: bool,
    org_credentials: Credentials | None,
    shared_credentials: Credentials | None,
) -> ResolvedCredentials:
    """The resolution rule; every Twilio call goes through it.

    1. BYO credentials present -> use them.
    2. BYO flag without credentials -> error, never the shared account.
    3. Otherwise the shared account (error if none is configured).
    """
    if org_credentials is not None and byo_twilio:
        return ResolvedCredentials(org_credentials, Mode.BYO)
    if byo_twilio:
        raise CredentialsMissing(
            f"{org_name} is set to use its own Twilio account, but no credentials are connected "
            "on this computer. Connect them on the Credentials tab (Loquent's shared account "
            "is never used instead)."
        )
    if shared_credentials is None:
        raise CredentialsMissing(
            "Loquent's shared Twilio account is not configured. Set it under "
            "Credentials → Shared account."
        )
    return ResolvedCredentials(shared_credentials, Mode.SHARED)
