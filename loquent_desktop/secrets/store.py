"""Twilio credentials in the OS keychain through `keyring`.

Each credential is one keychain entry whose value is the JSON of
`Credentials.to_secret_payload()`, under the service "loquent-desktop" (or
"loquent-desktop-sandbox", so emulator credentials never mix with real ones) and a key
naming whose credential it is: `org_key(id)` or `SHARED_KEY`.

Rules this module enforces:

* Only a real keychain is used. Plaintext or "not recommended" backends (keyrings.alt,
  priority < 1, the null backend) are refused before anything is written: a customer's Auth
  Token in a file in the home directory is worse than asking the user to install a keychain.
* Every keyring exception is converted to a domain error whose message says what to install
  or unlock, and never contains the secret.
* Every secret read or written is registered with the log redactor.

The calls block (D-Bus, Keychain Services); callers run them off the GUI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from ..domain.credentials import Credentials
from ..domain.errors import KeychainUnavailable, LoquentError
from ..logging_setup import redact, register_secret

log = logging.getLogger(__name__)

SERVICE = "loquent-desktop"
SANDBOX_SERVICE = "loquent-desktop-sandbox"
SHARED_KEY = "shared"
# Entry read by `check_available`; it never exists, reading it only proves access works.
_PROBE_KEY = "__availability_probe__"

NO_KEYCHAIN_MESSAGE = (
    "No OS keychain is available. On Linux install and start a Secret Service provider such "
    "as gnome-keyring (apt install gnome-keyring) or KWallet, and log in to a desktop "
    "session; on Windows/macOS the system keychain is used."
)
LOCKED_MESSAGE = (
    "The OS keychain is locked. Unlock your login keyring (for example by logging in to the "
    "desktop session, or with Seahorse / 'Passwords and Keys') and try again."
)
INSECURE_MESSAGE = (
    "The only keychain available is {name}, which stores secrets without OS protection, so "
    "Loquent Desktop refuses to use it. " + NO_KEYCHAIN_MESSAGE
)
# Backends that keep secrets in plain or weakly protected files. Priority alone is not
# enough: keyrings.alt lets users raise a backend's priority through configuration.
_DENIED_MODULE_PREFIXES = ("keyrings.alt", "keyring.backends.null")
_DENIED_NAME_PARTS = ("plaintext", "uncrypted", "unencrypted", "null")
_MIN_PRIORITY = 1.0

T = TypeVar("T")


def org_key(keychain_id: str | int) -> str:
    """Keychain key of an organization's own (BYO) credentials: its random `keychain_id`
    (never the database id, which can be reused)."""
    return f"org:{keychain_id}"


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_secure(backend: KeyringBackend) -> bool:
    cls = type(backend)
    if cls.__module__.startswith(_DENIED_MODULE_PREFIXES):
        return False
    if any(part in cls.__name__.lower() for part in _DENIED_NAME_PARTS):
        return False
    try:
        priority = float(backend.priority)
    except Exception:  # a backend whose priority raises cannot work on this machine
        return False
    return priority >= _MIN_PRIORITY


class SecretStore:
    """Credentials stored in the OS keychain under one keyring service name."""

    def __init__(self, service: str = SERVICE, backend: KeyringBackend | None = None) -> None:
        self.service = service
        # None -> whatever keyring selects at call time (tests switch it with set_keyring).
        self._backend = backend

    @classmethod
    def for_app(cls, sandbox: bool) -> SecretStore:
        return cls(SANDBOX_SERVICE if sandbox else SERVICE)

    # -- public API ----------------------------------------------------------------------

    def check_available(self) -> None:
        """Raise KeychainUnavailable (with what to install or unlock) unless usable."""
        self._call(lambda backend: backend.get_password(self.service, _PROBE_KEY))

    def get_credentials(self, key: str) -> Credentials | None:
        raw = self._call(lambda backend: backend.get_password(self.service, key))
        if raw is None:
            return None
        register_secret(raw)
        try:
            payload = json.loads(raw)
            creds = Credentials.from_secret_payload(payload)
        except (ValueError, TypeError, KeyError, AttributeError):
            # Never echo the value: it is (or contains) the secret.
            raise LoquentError(
                f"The keychain entry {key!r} of {self.service} is unreadable. "
                "Reconnect the credentials to replace it."
            ) from None
        register_secret(creds.secret)
        return creds

    def set_credentials(self, key: str, creds: Credentials) -> None:
        # Register first so nothing logged during the write (keyring debug logs) leaks it.
        register_secret(creds.secret)
        value = json.dumps(creds.to_secret_payload(), sort_keys=True)
        register_secret(value)
        self._call(lambda backend: backend.set_password(self.service, key, value), secret=value)
        log.info("Saved credentials %s in the keychain (%s).", key, self.service)

    def delete(self, key: str) -> None:
        """Remove an entry; removing one that does not exist is not an error."""

        def remove(backend: KeyringBackend) -> None:
            # Already gone (deleted elsewhere, or never saved): the outcome is the same.
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(self.service, key)

        self._call(remove)
        log.info("Removed credentials %s from the keychain (%s).", key, self.service)

    # -- internals -----------------------------------------------------------------------

    def _usable_backend(self) -> KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            raise KeychainUnavailable(NO_KEYCHAIN_MESSAGE)
        if isinstance(backend, chainer.ChainerBackend):
            # The chainer falls through to later backends on failure, which could be a
            # plaintext one; talk to the best secure backend directly instead.
            secure = [b for b in backend.backends if _is_secure(b)]
            if not secure:
                raise KeychainUnavailable(NO_KEYCHAIN_MESSAGE)
            return secure[0]
        if not _is_secure(backend):
            raise KeychainUnavailable(INSECURE_MESSAGE.format(name=_backend_name(backend)))
        return backend

    def _call(self, operation: Callable[[KeyringBackend], T], secret: str | None = None) -> T:
        """Run one keychain operation, converting every failure to KeychainUnavailable."""
        backend = self._usable_backend()
        try:
            return operation(backend)
        except KeychainUnavailable:
            raise
        except keyring.errors.NoKeyringError:
            raise KeychainUnavailable(NO_KEYCHAIN_MESSAGE) from None
        except keyring.errors.KeyringLocked:
            raise KeychainUnavailable(LOCKED_MESSAGE) from None
        except Exception as exc:
            # KeyringError, InitError, D-Bus / SecretStorage errors, OS errors. `from None`
            # and a scrubbed detail: the original message could quote what was being stored.
            detail = _scrub(str(exc), secret)
            log.warning("Keychain operation failed: %s: %s", type(exc).__name__, detail)
            raise KeychainUnavailable(
                f"The OS keychain ({_backend_name(backend)}) reported an error: "
                f"{type(exc).__name__}: {detail or 'no details'}. Make sure the keychain "
                "service is running and unlocked, then try again."
            ) from None


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "[REDACTED]")
    return redact(text)[:300]
