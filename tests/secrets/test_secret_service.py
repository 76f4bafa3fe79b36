"""One keychain call at a time, and a default collection that seems missing for a moment is
retried, never created behind a "new keyring" password prompt (secrets/secret_service.py).

Found in CI: with calls from several threads, gnome-keyring now and then answered "no such
object" for the default collection; keyring then asked it to create one, gnome-keyring showed a
password prompt nobody could answer, and every later keychain call of the run timed out.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.secrets import SHARED_KEY, SecretStore
from loquent_desktop.secrets import secret_service as secret_service_module
from tests.support.keychain import secret_service_or_skip
from tests.support.memory_keyring import MemoryKeyring

AC = "AC" + "0123456789abcdef" * 2
TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


class SlowKeyring(MemoryKeyring):
    """Takes 20 ms a call and counts how many calls are inside it at once."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.most_inside = 0
        self._count = threading.Lock()

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._count:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        time.sleep(0.02)
        super().set_password(service, username, password)
        with self._count:
            self.inside -= 1


def test_calls_from_many_threads_reach_the_keychain_one_at_a_time() -> None:
    backend = SlowKeyring()
    store = SecretStore("svc", backend=backend, timeout_s=10)
    creds = Credentials.from_auth_token(AC, TOKEN)
    threads = [
        threading.Thread(target=store.set_credentials, args=(f"org:{n}", creds)) for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert backend.most_inside == 1
    assert len(backend.entries) == 6


@pytest.fixture
def real_store() -> Iterator[SecretStore]:
    secret_service_or_skip()
    store = SecretStore(f"loquent-desktop-test-{uuid.uuid4().hex[:8]}", timeout_s=10)
    yield store
    store.delete(SHARED_KEY)


@pytest.fixture
def default_alias_missing(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """The real Secret Service, except that opening the default collection (by its alias)
    fails with "no such object" `times["misses"]` times, and creating a collection is only
    counted (and refused, as the prompt would be)."""
    import secretstorage
    import secretstorage.collection
    from secretstorage.exceptions import ItemNotFoundException, PromptDismissedException

    times = {"misses": 0, "opened": 0, "created": 0}
    # As many retries as the app makes, without their real pauses.
    monkeypatch.setattr(
        secret_service_module, "RETRY_PAUSES_S", (0.0,) * len(secret_service_module.RETRY_PAUSES_S)
    )
    real = secretstorage.collection.Collection

    class FlakyCollection(real):  # type: ignore[misc, valid-type]
        def __init__(self, connection, path=secret_service_module.DEFAULT_ALIAS, *args, **kwargs):  # type: ignore[no-untyped-def]
            if path == secret_service_module.DEFAULT_ALIAS:
                times["opened"] += 1
                if times["misses"] > 0:
                    times["misses"] -= 1
                    raise ItemNotFoundException("Item does not exist!")
            super().__init__(connection, path, *args, **kwargs)

    def create_collection(*args: object, **kwargs: object) -> None:
        times["created"] += 1
        raise PromptDismissedException("Prompt dismissed.")

    # keyring opens a preferred collection through the package's name, secretstorage's own
    # get_default_collection through the module's: both are the flaky one.
    monkeypatch.setattr(secretstorage, "Collection", FlakyCollection)
    monkeypatch.setattr(secretstorage.collection, "Collection", FlakyCollection)
    monkeypatch.setattr(secretstorage.collection, "create_collection", create_collection)
    monkeypatch.setattr(secretstorage, "create_collection", create_collection)
    yield times
    times["misses"] = 0  # the store's clean-up runs while the patches are still in place


@pytest.mark.keychain
def test_a_default_collection_missing_for_a_moment_is_retried_not_created(
    real_store: SecretStore, default_alias_missing: dict[str, int]
) -> None:
    default_alias_missing["misses"] = 2
    creds = Credentials.from_auth_token(AC, TOKEN)
    real_store.set_credentials(SHARED_KEY, creds)

    assert default_alias_missing["created"] == 0
    assert default_alias_missing["opened"] == 3
    assert real_store.get_credentials(SHARED_KEY) == creds


@pytest.mark.keychain
def test_a_default_collection_that_stays_missing_may_be_created(
    real_store: SecretStore, default_alias_missing: dict[str, int]
) -> None:
    """A desktop without a default keyring: after the retries, keyring's own way (create it,
    which shows gnome-keyring's prompt) is taken, once."""
    default_alias_missing["misses"] = 100
    with pytest.raises(Exception, match="dismissed"):
        real_store.set_credentials(SHARED_KEY, Credentials.from_auth_token(AC, TOKEN))
    assert default_alias_missing["created"] == 1
    assert default_alias_missing["opened"] == len(secret_service_module.RETRY_PAUSES_S) + 1
