"""HTTP Basic authentication the way Twilio checks it.

Two kinds of credentials work: Account SID + Auth Token, or API key SID (SK...) + secret,
where the key belongs to exactly one account. Either reaches its own account and that
account's subaccounts. Standard (and restricted) keys may not use the Accounts resource at
all; Twilio refuses them with the same 401/20003 it gives bad credentials
(twilio/twilio-python#259: "you can't use a Key Secret to get an Account").
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from loquent_desktop.sandbox.errors import authenticate
from loquent_desktop.sandbox.state import SandboxState


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the account the credentials act for, and the key if one was used."""

    username: str
    account_sid: str
    key_sid: str | None = None
    key_kind: str | None = None

    @property
    def may_use_accounts_resource(self) -> bool:
        return self.key_sid is None or self.key_kind == "main"


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def basic_username(header: str | None) -> str | None:
    """The username of a Basic header (for the request log), valid or not."""
    parsed = parse_basic(header)
    return parsed[0] if parsed else None


def resolve(state: SandboxState, header: str | None) -> Principal:
    """Check the credentials; raise the Twilio 401 if they are not good."""
    parsed = parse_basic(header)
    if parsed is None:
        raise authenticate()
    username, password = parsed
    with state.lock:
        account = state.accounts.get(username)
        if account is not None:
            if account.status != "closed" and hmac.compare_digest(account.auth_token, password):
                return Principal(username, account.sid)
            raise authenticate()
        key = state.api_keys.get(username)
        if key is not None and hmac.compare_digest(key.secret, password):
            owner = state.accounts.get(key.account_sid)
            if owner is not None and owner.status != "closed":
                return Principal(username, key.account_sid, key.sid, key.kind)
    raise authenticate()


def require_account_access(state: SandboxState, principal: Principal, account_sid: str) -> None:
    """Credentials reach their own account and its subaccounts, nothing else."""
    if account_sid not in state.account_family(principal.account_sid):
        raise authenticate()
