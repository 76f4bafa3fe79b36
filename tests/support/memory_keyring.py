"""An in-process keyring backend for machines without an OS keychain.

Used only when no Secret Service is reachable and the run does not demand one
(`LOQUENT_REQUIRE_KEYCHAIN` unset); `./dev.sh test` and CI always use the real one.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]
    viable = False  # never picked by keyring on its own: only handed to SecretStore explicitly

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)
