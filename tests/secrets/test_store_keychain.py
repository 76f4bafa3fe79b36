"""SecretStore against the real OS keychain (Secret Service in a D-Bus session).

Run with gnome-keyring unlocked, e.g.:
    dbus-run-session -- bash -c 'eval "$(printf pass | gnome-keyring-daemon --unlock \
        --components=secrets)"; HOME=/tmp/kh pytest -m keychain tests/secrets'
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.logging_setup import forget_secrets, redact
from loquent_desktop.secrets import SHARED_KEY, SecretStore, org_key
from tests.support.keychain import secret_service_or_skip

pytestmark = pytest.mark.keychain

AC = "AC" + "0123456789abcdef" * 2
SK = "SK" + "fedcba9876543210" * 2
KEY_SECRET = "Rl4kJ8hG2fD6sA0pO9iU7yT5rE3wQ1zX"


@pytest.fixture
def real_store() -> Iterator[SecretStore]:
    secret_service_or_skip()
    # A unique service name: never touches a developer's real Loquent entries.
    store = SecretStore(f"loquent-desktop-test-{uuid.uuid4().hex[:8]}")
    yield store
    for key in (SHARED_KEY, org_key(1)):
        store.delete(key)
    forget_secrets()


def test_round_trip_in_real_keychain(real_store: SecretStore) -> None:
    real_store.check_available()
    creds = Credentials.from_api_key(AC, SK, KEY_SECRET)
    real_store.set_credentials(org_key(1), creds)
    assert real_store.get_credentials(org_key(1)) == creds
    assert real_store.get_credentials(SHARED_KEY) is None
    assert KEY_SECRET not in redact(f"value {KEY_SECRET}")
    real_store.delete(org_key(1))
    assert real_store.get_credentials(org_key(1)) is None


def test_entries_are_visible_to_a_fresh_store(real_store: SecretStore) -> None:
    """What one app session writes, the next one reads (nothing cached in memory)."""
    creds = Credentials.from_auth_token(AC, "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    real_store.set_credentials(SHARED_KEY, creds)
    again = SecretStore(real_store.service)
    assert again.get_credentials(SHARED_KEY) == creds
