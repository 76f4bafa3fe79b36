"""Linux Secret Service (gnome-keyring, KWallet) specifics of the keychain calls.

gnome-keyring briefly answers "no such object" for the default collection, or for an item, while
it handles another client's write: measured with 8 threads storing, reading and deleting at
once, about one call in 1,300 saw it. keyring's Secret Service backend takes a missing default
collection for a machine without one and asks the daemon to create it, and the daemon then
shows "Choose password for new keyring": a prompt nobody expects (and, in a session without a
visible display, one that hangs the call until it times out).

So the store (1) makes one keychain call at a time from this process, which removes the
collisions it would cause itself, and (2) asks for the default collection by its alias, never
creating it, retrying a miss a few times; only when the collection is still missing after
that is the backend allowed to create it, as a desktop without a default keyring needs.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import TypeVar

from keyring.backend import KeyringBackend

T = TypeVar("T")

# secretstorage.collection.DEFAULT_COLLECTION: the alias every Secret Service provider serves.
DEFAULT_ALIAS = "/org/freedesktop/secrets/aliases/default"
# Pauses before each retry of a transient miss (seconds): about 0.75 s in all.
RETRY_PAUSES_S = (0.05, 0.1, 0.2, 0.4)


def _is_secret_service(backend: KeyringBackend) -> bool:
    try:
        from keyring.backends import SecretService
    except ImportError:  # pragma: no cover - keyring always ships it
        return False
    return isinstance(backend, SecretService.Keyring)


def without_creating(backend: KeyringBackend) -> KeyringBackend:
    """`backend`, or for the Secret Service a copy that opens the default collection by its
    alias (keyring's documented `preferred_collection`) and so fails on a miss instead of
    creating a new collection behind a password prompt."""
    if not _is_secret_service(backend) or hasattr(backend, "preferred_collection"):
        return backend
    strict = copy.copy(backend)
    strict.preferred_collection = DEFAULT_ALIAS  # type: ignore[attr-defined]
    return strict


def is_transient_miss(exc: BaseException) -> bool:
    """A Secret Service "no such object" (secretstorage's ItemNotFoundException), as raised or
    as the cause keyring wrapped in an InitError."""
    try:
        from secretstorage.exceptions import ItemNotFoundException
    except ImportError:  # not on Linux: no Secret Service, nothing transient of this kind
        return False
    return isinstance(exc, ItemNotFoundException) or isinstance(
        exc.__cause__, ItemNotFoundException
    )


def with_retries(
    operation: Callable[[KeyringBackend], T],
    backend: KeyringBackend,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `operation` on `backend` without letting a transient miss create a collection:
    retry misses after RETRY_PAUSES_S, then, if the default collection is really missing, run it
    once on `backend` itself (which may create it)."""
    strict = without_creating(backend)
    for pause in RETRY_PAUSES_S:
        try:
            return operation(strict)
        except Exception as exc:
            if not is_transient_miss(exc):
                raise
        sleep(pause)
    return operation(backend)
