"""The credential resolution rule: BYO without credentials is an error, never the shared
account."""

import pytest

from loquent_desktop.domain.credentials import Credentials, Mode, resolve
from loquent_desktop.domain.errors import CredentialsMissing

ORG = Credentials("AC" + "1" * 32, "a" * 32)
SHARED = Credentials("AC" + "2" * 32, "b" * 32)


def test_byo_with_credentials_uses_them() -> None:
    resolved = resolve("Acme", True, ORG, SHARED)
    assert resolved.credentials == ORG
    assert resolved.mode is Mode.BYO


def test_byo_without_credentials_is_an_error_even_with_shared_configured() -> None:
    with pytest.raises(CredentialsMissing, match=r"Acme.*never used"):
        resolve("Acme", True, None, SHARED)


def test_shared_mode_uses_shared_account() -> None:
    resolved = resolve("Acme", False, None, SHARED)
    assert resolved.credentials == SHARED
    assert resolved.mode is Mode.SHARED


def test_shared_mode_ignores_leftover_org_credentials() -> None:
    assert resolve("Acme", False, ORG, SHARED).credentials == SHARED


def test_shared_mode_without_shared_account_is_an_error() -> None:
    with pytest.raises(CredentialsMissing, match="shared Twilio account is not configured"):
        resolve("Acme", False, None, None)


def test_repr_never_shows_the_secret() -> None:
    creds = Credentials.from_api_key("AC" + "3" * 32, "SK" + "4" * 32, "s3cr3t-value-12345")
    assert "s3cr3t" not in repr(creds)
    assert creds.username == "SK" + "4" * 32
    assert Credentials.from_secret_payload(creds.to_secret_payload()) == creds
