"""The real OS keychain for the tests that need one: Secret Service in a D-Bus session."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import chainer


def secret_service_or_skip() -> None:
    """Skip the calling test unless keyring selects Secret Service and its default
    collection is unlocked (the real keychain tests need a D-Bus session and gnome-keyring)."""
    try:
        from keyring.backends import SecretService
    except ImportError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"keyring's SecretService backend cannot load: {exc}")
    selected = keyring.get_keyring()
    candidates = selected.backends if isinstance(selected, chainer.ChainerBackend) else [selected]
    if not any(isinstance(b, SecretService.Keyring) for b in candidates):
        pytest.skip(
            f"keyring selected {type(selected).__module__}.{type(selected).__name__}, not "
            "Secret Service (no D-Bus session or no gnome-keyring/KWallet running)"
        )
    # A locked collection would pop up a password prompt when a display is present: check
    # without unlocking and skip instead.
    try:
        import secretstorage

        with secretstorage.dbus_init() as connection:
            locked = secretstorage.get_default_collection(connection).is_locked()
    except Exception as exc:
        pytest.skip(f"Secret Service is not usable: {type(exc).__name__}: {exc}")
    if locked:
        pytest.skip("the default Secret Service collection is locked")
