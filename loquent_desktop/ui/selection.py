"""The current organization: one selection that every tab watches.

The Credentials list chooses it; everything else asks `current` and is told of changes with
`track(callback, call_now=True)` (after Vorta's `track_profile_change`).

A view's data belongs to a *scope*: the organization and the Twilio account it resolves to.
Renaming keeps the scope; switching organization, moving it between BYO and Shared,
connecting another Twilio account, changing its Loquent Voice URL or replacing the shared
account under a Shared organization does not, and anything read for the old scope must go.
Views drop what they show in `track_scope` callbacks; reads still running for the old scope
are cancelled by `TaskRunner.start_scoped`, so their results never arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # annotations only: the window's frame paints before the records load
    from ..domain.records import OrganizationRecord


@dataclass(frozen=True)
class Scope:
    """What a view's data belongs to."""

    org_id: int
    byo: bool
    account_sid: str | None
    voice_url: str | None
    shared_account: int  # which shared account a Shared organization runs on (a counter)


def scope_of(org: OrganizationRecord | None, shared_account: int = 0) -> Scope | None:
    if org is None:
        return None
    return Scope(
        org.id,
        org.byo_twilio,
        org.twilio_account_sid,
        org.voice_url,
        0 if org.byo_twilio else shared_account,
    )


class OrganizationSelection(QObject):
    changed = Signal(object)  # the current OrganizationRecord | None: new, or a fresher record
    scope_changed = Signal(object)  # the new Scope | None: the old scope's data must go
    record_updated = Signal(object)  # a fresher OrganizationRecord of any organization

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: OrganizationRecord | None = None
        self._shared_account = 0

    @property
    def current(self) -> OrganizationRecord | None:
        return self._current

    @property
    def scope(self) -> Scope | None:
        return scope_of(self._current, self._shared_account)

    def is_current(self, org_id: int) -> bool:
        return self._current is not None and self._current.id == org_id

    def select(self, org: OrganizationRecord | None) -> None:
        """Make `org` the current organization (None: none). Watchers are told even when it
        is the same record again (e.g. the list was reloaded)."""
        before = self.scope
        self._current = org
        self._announce(before)

    def update(self, org: OrganizationRecord) -> None:
        """A fresher record of `org` arrived (often after an await): it replaces the current
        one only if `org` is still selected."""
        self.record_updated.emit(org)
        if self.is_current(org.id):
            self.select(org)

    def shared_account_changed(self) -> None:
        """The shared account was configured or forgotten: what a Shared organization showed
        came from the old one (a BYO organization's did not)."""
        before = self.scope
        self._shared_account += 1
        if self.scope != before:
            self._announce(before)

    def _announce(self, before: Scope | None) -> None:
        if self.scope != before:
            self.scope_changed.emit(self.scope)
        self.changed.emit(self._current)

    # -- watching -------------------------------------------------------------------------
    def track(self, callback: Callable[[], None], call_now: bool = True) -> None:
        """Call `callback` on every change of the current organization, renames included."""
        self.changed.connect(_while_alive(callback))
        if call_now:
            callback()

    def track_scope(self, callback: Callable[[], None], call_now: bool = True) -> None:
        """Call `callback` when the scope changes: the place to drop what was shown. It runs
        before the `track` callbacks of the same change."""
        self.scope_changed.connect(_while_alive(callback))
        if call_now:
            callback()


def _while_alive(callback: Callable[[], None]) -> Callable[[object], None]:
    """A slot that calls `callback` only while the widget it belongs to exists: a view
    deleted before the selection (a dialog, a test's own view) is no longer told."""
    owner = getattr(callback, "__self__", None)

    def slot(_value: object) -> None:
        if not isinstance(owner, QObject) or shiboken6.isValid(owner):
            callback()

    return slot
