"""The words shared by setting up and removing a stream: whose account is changed
(`StreamTarget`), what a change did (`StreamChange`), and why one stopped or did nothing
(`ChangedSincePlan`, `NothingToChange`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.errors import LoquentError
from ..domain.event_streams import StreamKind, organization_tag
from ..domain.records import OrganizationRecord
from ..twilio_api.event_streams import EventStreamsGateway


class NothingToChange(LoquentError):
    """The account already is as asked: no plan, nothing sent."""


class ChangedSincePlan(LoquentError):
    """The account changed after the plan was shown in a way that makes the plan untrue:
    stopped before sending what the plan did not show."""

    def __init__(self, what: str, *, started: bool = False) -> None:
        sent = "nothing more was sent" if started else "nothing was sent"
        super().__init__(
            f"The Twilio account changed since the plan was shown: {what}. {sent.capitalize()} "
            "— look again (Refresh) before trying again."
        )


@dataclass(frozen=True)
class StreamChange:
    """What a set-up or removal did."""

    kind: StreamKind
    sink_sid: str | None
    subscription_sid: str | None
    sink_created: bool = False
    sink_deleted: bool = False
    types: tuple[str, ...] = ()
    store_error: str | None = None  # Twilio changed, but Loquent's database could not say so
    subscription_gone: bool = False  # removing: it was already gone from Twilio
    sink_gone: bool = False  # removing: the sink to delete was already gone from Twilio
    # Removing: the account changed after the plan was shown (in words); `incomplete` when a
    # step of the plan was therefore not carried out.
    warning: str | None = None
    incomplete: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "sink_sid": self.sink_sid,
            "subscription_sid": self.subscription_sid,
            "sink_created": self.sink_created,
            "sink_deleted": self.sink_deleted,
            "subscription_gone": self.subscription_gone,
            "sink_gone": self.sink_gone,
            "types": list(self.types),
            "warning": self.warning,
            "store_error": self.store_error,
        }

    def grade(self) -> tuple[str, str | None]:
        return ("partial", self.warning) if self.incomplete else ("succeeded", None)


@dataclass(frozen=True)
class StreamTarget:
    """An organization whose own account may be changed, with its Event Streams gateway."""

    org: OrganizationRecord
    gateway: EventStreamsGateway
    account: str  # masked SID
    events_url: str  # normalised

    def describe(self, kind: StreamKind) -> str:
        """The description of the organization's own subscription of `kind`."""
        return kind.description_for(organization_tag(self.org.keychain_id))
