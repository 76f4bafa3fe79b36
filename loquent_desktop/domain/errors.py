"""The error types the core raises.

Every error carries a message written for the account manager (what went wrong and what to do
next). None of them may ever contain a secret: they end up in dialogs, logs and the journal.
"""

from __future__ import annotations


class LoquentError(Exception):
    """Base class: `str(err)` is a user-facing sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(LoquentError):
    """Input the user typed does not have the right shape (checked before any request)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class CredentialsMissing(LoquentError):
    """No credentials can be resolved for an organization (never falls back silently)."""


class KeychainUnavailable(LoquentError):
    """The OS keychain cannot be used (none installed, locked, or refused access)."""


class TwilioApiError(LoquentError):
    """A Twilio request failed. Normalizes the library's two exception shapes and
    network failures into one type.

    `status` is the HTTP status (0 when no response arrived), `code` Twilio's error code
    (None when the body had none), `kind` one of "http", "timeout", "connection", or
    "malformed" (an answer arrived but was cut off or not JSON).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: int | None = None,
        more_info: str | None = None,
        kind: str = "http",
        method: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.more_info = more_info
        self.kind = kind
        self.method = method

    @property
    def is_auth_error(self) -> bool:
        return self.status == 401 or self.code == 20003

    @property
    def is_denied(self) -> bool:
        """These credentials may not read this resource or product (Accounts with an API
        key, Pricing, Monitor): 401 or 403."""
        return self.status in (401, 403)

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    @property
    def response_lost(self) -> bool:
        """True when a request may have reached Twilio but its answer never came back
        (or came back unreadable)."""
        return self.kind in ("timeout", "connection", "malformed")

    def __repr__(self) -> str:
        return (
            f"TwilioApiError(status={self.status}, code={self.code}, kind={self.kind!r}, "
            f"message={self.message!r})"
        )


class OutcomeUnknown(TwilioApiError):
    """A change may or may not have landed on Twilio (its answer was lost, and reading the
    account back failed too). The journal records it as "unknown", never as "failed"."""


class PlanCancelled(LoquentError):
    """The user declined a plan: nothing was sent."""

    def __init__(self) -> None:
        super().__init__("Cancelled: nothing was changed on the Twilio account.")


class RunningElsewhere(LoquentError):
    """The same work for the same organization runs in another window, process or computer
    sharing the database; `host`, `pid` and `since` say which and since when."""

    def __init__(self, what: str, host: str, pid: int, since_text: str) -> None:
        super().__init__(
            f"{what} is already running on {host} (process {pid}) since {since_text}. Wait "
            "for it to finish there. If that app was closed or crashed, this frees itself "
            "within a minute; then try again."
        )
        self.host = host
        self.pid = pid
