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
* One keychain call at a time from this process, and a default collection that briefly seems
  missing is retried, never created (`secret_service`): gnome-keyring otherwise shows an
  unexpected "new keyring" password prompt.
* No call hangs: a locked keychain may wait for a password prompt that nobody sees (no
  display, a prompt behind other windows). Each call runs on a helper thread and gives up after
  `timeout_s` with a message that says how to unlock; while that call is still stuck, later
  calls fail at once instead of stacking more prompts. Nothing is ever written elsewhere.

The calls block (D-Bus, Keychain Services); callers run them off the GUI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from ..domain.credentials import Credentials
from ..domain.errors import KeychainUnavailable, LoquentError
from ..logging_setup import redact, register_secret
from .secret_service import with_retries

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
TIMEOUT_MESSAGE = (
    "The OS keychain did not answer within {seconds:g} seconds: it is probably locked and "
    "waiting for its password in a prompt that is hidden or cannot be shown. Unlock it and try "
    "again: on Linux open 'Passwords and Keys' (Seahorse) and unlock the Login keyring, or "
    "log out and in to the desktop session; on macOS unlock the login keychain in Keychain "
    "Access; on Windows sign in to your account. Nothing was saved anywhere else."
)
# Seconds a keychain call may take, prompt included: enough to type a password into a prompt
# that is on screen, short enough that a hidden one does not look like a hang.
DEFAULT_TIMEOUT_S = 30.0
TIMEOUT_ENV = "LOQUENT_KEYCHAIN_TIMEOUT"
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


def _default_timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_ENV, "") or DEFAULT_TIMEOUT_S)
    except ValueError:
        return DEFAULT_TIMEOUT_S


# Helper threads of calls that timed out and are still blocked in the keychain (waiting for a
# prompt). Shared by every store: they all talk to the same keychain.
_stuck: set[threading.Thread] = set()
_stuck_lock = threading.Lock()
# One keychain call at a time from this process (see secret_service for why).
_one_at_a_time = threading.Lock()


def _still_stuck() -> bool:
    with _stuck_lock:
        _stuck.difference_update([t for t in _stuck if not t.is_alive()])
        return bool(_stuck)


class SecretStore:
    """Credentials stored in the OS keychain under one keyring service name."""

    def __init__(
        self,
        service: str = SERVICE,
        backend: KeyringBackend | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.service = service
        # None -> whatever keyring selects at call time (tests switch it with set_keyring).
        self._backend = backend
        # None -> $LOQUENT_KEYCHAIN_TIMEOUT or DEFAULT_TIMEOUT_S; 0 -> no helper thread.
        self.timeout_s = _default_timeout() if timeout_s is None else timeout_s

    @classmethod
    def for_app(cls, sandbox: bool) -> SecretStore:
        return cls(SANDBOX_SERVICE if sandbox else SERVICE)

    def backend_name(self) -> str:
        """The keyring backend this store talks to (`module.Class`); raises
        KeychainUnavailable when there is none that may be used."""
        return _backend_name(self._usable_backend())

    def check_round_trip(self, key: str, value: str) -> None:
        """Write `value` under `key`, read it back and delete it (the self-test's proof that
        the keychain works). Raises KeychainUnavailable or LoquentError on any failure."""
        try:
            self._call(lambda backend: backend.set_password(self.service, key, value))
            read = self._call(lambda backend: backend.get_password(self.service, key))
            if read != value:
                raise LoquentError(f"The keychain returned a different value for {key!r}.")
        finally:
            if not _still_stuck():
                self.delete(key)
        if self._call(lambda backend: backend.get_password(self.service, key)) is not None:
            raise LoquentError(f"The keychain still holds {key!r} after deleting it.")

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
            return self._bounded(operation, backend)
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

    def _bounded(self, operation: Callable[[KeyringBackend], T], backend: KeyringBackend) -> T:
        """Run `operation` on a helper thread and wait at most `timeout_s` for it (waiting
        for another call of this process included)."""
        if self.timeout_s <= 0:
            return _serial(operation, backend)
        timed_out = KeychainUnavailable(TIMEOUT_MESSAGE.format(seconds=self.timeout_s))
        if _still_stuck():
            # An earlier call still waits for the unlock prompt: a second one would only
            # queue another prompt behind it.
            raise timed_out
        outcome: list[tuple[bool, object]] = []

        def run() -> None:
            try:
                outcome.append((True, _serial(operation, backend)))
            except BaseException as exc:
                outcome.append((False, exc))

        worker = threading.Thread(target=run, name="keychain-call", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            with _stuck_lock:
                _stuck.add(worker)
            log.warning(
                "Keychain (%s) did not answer within %gs; it is probably locked.",
                _backend_name(backend),
                self.timeout_s,
            )
            raise timed_out
        ok, value = outcome[0]
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]


def _serial(operation: Callable[[KeyringBackend], T], backend: KeyringBackend) -> T:
    with _one_at_a_time:
        return with_retries(operation, backend)


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "[REDACTED]")
    return redact(text)[:300]
