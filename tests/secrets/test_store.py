"""SecretStore over in-process keyring backends: round-trips, refusals, error messages."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from loquent_desktop import logging_setup
from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.domain.errors import KeychainUnavailable, LoquentError
from loquent_desktop.logging_setup import redact
from loquent_desktop.secrets import SANDBOX_SERVICE, SERVICE, SHARED_KEY, SecretStore, org_key
from tests.support.memory_keyring import MemoryKeyring

AC = "AC" + "0123456789abcdef" * 2
SK = "SK" + "fedcba9876543210" * 2
TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
KEY_SECRET = "Qx7pL2mN9vB4cR8tY1wE6uI3oP5aS0dF"


# A secure-looking backend that keeps entries in a dict (never auto-selected by keyring).
DictKeyring = MemoryKeyring


@pytest.fixture
def use_backend() -> Iterator[object]:
    """Install a backend with keyring.set_keyring for one test, then restore the old one."""
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
    logging_setup.forget_secrets()


@pytest.fixture
def dict_keyring(use_backend) -> DictKeyring:  # type: ignore[no-untyped-def]
    backend = DictKeyring()
    use_backend(backend)
    return backend


def token_creds() -> Credentials:
    return Credentials.from_auth_token(AC, TOKEN)


def key_creds() -> Credentials:
    return Credentials.from_api_key(AC, SK, KEY_SECRET)


def assert_no_secret(err: BaseException, *secrets: str) -> None:
    shown = str(err) + "".join(traceback.format_exception(err))
    for secret in secrets:
        assert secret not in shown


def test_round_trip_both_kinds(dict_keyring: DictKeyring) -> None:
    store = SecretStore()
    store.check_available()
    assert store.get_credentials(org_key(1)) is None

    store.set_credentials(org_key(1), key_creds())
    store.set_credentials(SHARED_KEY, token_creds())
    assert store.get_credentials(org_key(1)) == key_creds()
    assert store.get_credentials(SHARED_KEY) == token_creds()

    stored = json.loads(dict_keyring.entries[(SERVICE, "org:1")])
    assert stored == key_creds().to_secret_payload()

    store.delete(org_key(1))
    assert store.get_credentials(org_key(1)) is None
    store.delete(org_key(1))  # deleting twice is fine
    assert store.get_credentials(SHARED_KEY) == token_creds()


def test_key_helpers() -> None:
    assert org_key(42) == "org:42"
    assert SHARED_KEY == "shared"
    assert SecretStore.for_app(sandbox=False).service == "loquent-desktop"
    assert SecretStore.for_app(sandbox=True).service == "loquent-desktop-sandbox"


def test_sandbox_entries_never_mix_with_real_ones(dict_keyring: DictKeyring) -> None:
    real, sandbox = SecretStore.for_app(False), SecretStore.for_app(True)
    sandbox.set_credentials(SHARED_KEY, token_creds())
    assert real.get_credentials(SHARED_KEY) is None
    assert set(dict_keyring.entries) == {(SANDBOX_SERVICE, "shared")}


def test_secrets_read_or_written_are_redacted_from_logs(dict_keyring: DictKeyring) -> None:
    SecretStore().set_credentials(SHARED_KEY, key_creds())
    assert redact(f"oops {KEY_SECRET}") == "oops [REDACTED]"
    # A secret written by another process and only read here is registered too.
    dict_keyring.entries[(SERVICE, "org:9")] = json.dumps(
        {"account_sid": AC, "secret": "OtherSecretValue123456"}
    )
    SecretStore().get_credentials(org_key(9))
    assert "OtherSecretValue123456" not in redact("x OtherSecretValue123456 y")


class PlaintextKeyring(DictKeyring):
    """Named like keyrings.alt's file backend; high priority must not make it acceptable."""

    priority = 5  # type: ignore[assignment]


class LowPriorityKeyring(DictKeyring):
    priority = 0.5  # type: ignore[assignment]


class AltFileKeyring(DictKeyring):
    priority = 5  # type: ignore[assignment]


AltFileKeyring.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize("backend_cls", [PlaintextKeyring, LowPriorityKeyring, AltFileKeyring])
def test_insecure_backends_are_refused_before_writing(use_backend, backend_cls) -> None:  # type: ignore[no-untyped-def]
    backend = use_backend(backend_cls())
    store = SecretStore()
    with pytest.raises(KeychainUnavailable) as err:
        store.set_credentials(SHARED_KEY, token_creds())
    assert backend.entries == {}
    assert "refuses" in str(err.value) and "gnome-keyring" in str(err.value)
    assert_no_secret(err.value, TOKEN)
    with pytest.raises(KeychainUnavailable):
        store.check_available()
    # Not even reading from it: an entry planted there is not trusted.
    backend.entries[(SERVICE, "shared")] = json.dumps(token_creds().to_secret_payload())
    with pytest.raises(KeychainUnavailable):
        store.get_credentials(SHARED_KEY)


def test_no_backend_says_what_to_install(use_backend) -> None:  # type: ignore[no-untyped-def]
    use_backend(fail.Keyring())
    with pytest.raises(KeychainUnavailable) as err:
        SecretStore().check_available()
    message = str(err.value)
    assert "No OS keychain is available" in message
    assert "apt install gnome-keyring" in message and "KWallet" in message


class RaisingKeyring(DictKeyring):
    error: Exception = RuntimeError()

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


def test_no_keyring_error_from_backend(use_backend) -> None:  # type: ignore[no-untyped-def]
    backend = RaisingKeyring()
    backend.error = keyring.errors.NoKeyringError("no backend")
    use_backend(backend)
    with pytest.raises(KeychainUnavailable, match="apt install gnome-keyring"):
        SecretStore().get_credentials(SHARED_KEY)


def test_locked_keyring_says_unlock(use_backend) -> None:  # type: ignore[no-untyped-def]
    backend = RaisingKeyring()
    backend.error = keyring.errors.KeyringLocked("Failed to unlock the collection!")
    use_backend(backend)
    with pytest.raises(KeychainUnavailable) as err:
        SecretStore().set_credentials(SHARED_KEY, token_creds())
    assert "unlock your login keyring" in str(err.value).lower()
    assert_no_secret(err.value, TOKEN)


@pytest.mark.parametrize(
    "error",
    [
        keyring.errors.PasswordSetError("could not store {value}"),
        keyring.errors.InitError("Failed to create the collection: {value}."),
        OSError("org.freedesktop.DBus.Error.ServiceUnknown while writing {value}"),
    ],
)
def test_backend_errors_are_wrapped_without_the_secret(use_backend, error) -> None:  # type: ignore[no-untyped-def]
    backend = RaisingKeyring()
    creds = key_creds()
    payload = json.dumps(creds.to_secret_payload(), sort_keys=True)
    # Worst case: the backend quotes the value it was given in its error message.
    error.args = (error.args[0].format(value=payload),)
    backend.error = error
    use_backend(backend)
    with pytest.raises(KeychainUnavailable) as err:
        SecretStore().set_credentials(org_key(3), creds)
    assert type(error).__name__ in str(err.value)
    assert_no_secret(err.value, KEY_SECRET, payload)


def test_corrupt_entry_does_not_echo_its_value(dict_keyring: DictKeyring) -> None:
    dict_keyring.entries[(SERVICE, "shared")] = "not json " + TOKEN
    with pytest.raises(LoquentError) as err:
        SecretStore().get_credentials(SHARED_KEY)
    assert "Reconnect" in str(err.value)
    assert_no_secret(err.value, TOKEN)


def test_chainer_uses_only_its_secure_backend(monkeypatch, dict_keyring) -> None:  # type: ignore[no-untyped-def]
    plaintext = PlaintextKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext, dict_keyring])
    keyring.set_keyring(chainer.ChainerBackend())
    SecretStore().set_credentials(SHARED_KEY, token_creds())
    assert plaintext.entries == {}
    assert (SERVICE, "shared") in dict_keyring.entries

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext])
    with pytest.raises(KeychainUnavailable, match="No OS keychain"):
        SecretStore().get_credentials(SHARED_KEY)
