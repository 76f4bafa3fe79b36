"""OrganizationRepository round-trips on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loquent_desktop.domain.errors import InvalidInput
from loquent_desktop.store import Database, RecordNotFound

AC = "AC" + "a1" * 16
SK = "SK" + "b2" * 16


def test_add_list_get(db: Database) -> None:
    repo = db.organizations
    beta = repo.add("beta Corp")
    acme = repo.add("Acme")
    assert [o.name for o in repo.list()] == ["Acme", "beta Corp"]  # case-insensitive order
    got = repo.get(acme.id)
    assert got == acme
    assert got.byo_twilio is False
    assert not got.is_connected
    assert got.created_at.tzinfo is not None
    assert abs(got.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert repo.get_by_name("ACME") == acme
    assert repo.get_by_name("nobody") is None
    assert repo.find(beta.id + acme.id + 100) is None


def test_duplicate_names_are_invalid_input(db: Database) -> None:
    repo = db.organizations
    acme = repo.add("Acme")
    other = repo.add("Other")
    with pytest.raises(InvalidInput) as err:
        repo.add("acme")
    assert err.value.field == "name"
    assert "Acme" in str(err.value) or "acme" in str(err.value)
    with pytest.raises(InvalidInput):
        repo.rename(other.id, "ACME")
    # Renaming to its own name with a different case is fine.
    assert repo.rename(acme.id, "ACME").name == "ACME"
    assert [o.name for o in repo.list()] == ["ACME", "Other"]


def test_mode_connection_and_voice_url(db: Database) -> None:
    repo = db.organizations
    org = repo.add("Acme")
    assert repo.set_mode(org.id, True).byo_twilio is True

    connected = repo.set_connected(
        org.id,
        account_sid=AC,
        credential_kind="api_key",
        api_key_sid=SK,
        friendly_name="Acme Prod",
        status="active",
        account_type="Full",
    )
    assert connected.is_connected
    assert (connected.twilio_account_sid, connected.credential_kind, connected.api_key_sid) == (
        AC,
        "api_key",
        SK,
    )
    assert connected.account_friendly_name == "Acme Prod"
    assert connected.account_type == "Full"
    assert connected.credentials_verified_at is not None
    assert connected.updated_at >= org.updated_at
    assert AC not in connected.masked_account_sid
    assert repo.get(org.id) == connected

    cleared = repo.clear_connection(org.id)
    assert not cleared.is_connected
    assert cleared.credentials_verified_at is None
    assert cleared.byo_twilio is True  # never a silent switch to the shared account

    assert repo.get(org.id).effective_voice_url("https://default") == "https://default"
    repo.set_voice_url(org.id, "https://voice.example/acme")
    assert repo.get(org.id).effective_voice_url("https://default") == "https://voice.example/acme"
    assert repo.set_voice_url(org.id, None).voice_url is None


def test_remove_and_missing(db: Database) -> None:
    repo = db.organizations
    org = repo.add("Acme")
    repo.remove(org.id)
    assert repo.list() == []
    with pytest.raises(RecordNotFound):
        repo.get(org.id)
    with pytest.raises(RecordNotFound):
        repo.set_mode(org.id, True)
    with pytest.raises(RecordNotFound):
        repo.remove(org.id)
