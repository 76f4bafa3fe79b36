"""What a sync run reads pages from, and what it commits them to: two small Protocols, so
`SyncRun` drives the history (Messages, Calls) and the Recordings sources alike and both
type-check without either inheriting from the other.

`PageSource` is the reading side (a gateway: `HistoryPagesGateway`, `RecordingPagesGateway`):
a list's first page with filters, then Twilio's own stored `next_page_uri`s. `PageStore` is
the writing side (a repository: the messages, calls and recordings repositories): one page
upserted together with the run's checkpoint, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from ..domain.history_records import PageCheckpoint
from ..store.repositories.history_repository import PageResult
from ..twilio_api.history_pages import RawPage


class PageSource(Protocol):
    """A pages gateway: one Twilio list read a page at a time, resumable from a link."""

    def belongs_to(self, resource: str, uri: str | None) -> bool:
        """Whether a stored link names this account's `resource` list."""
        ...

    async def first_page(self, resource: str, **filters: Any) -> RawPage:
        """The newest page of `resource` matching `filters` (library keyword names)."""
        ...

    async def page_at(self, resource: str, uri: str) -> RawPage:
        """The page a stored `next_page_uri` names."""
        ...


class PageStore(Protocol):
    """A repository that upserts one synced page (by SID) with its checkpoint."""

    def commit_page(
        self,
        org_id: int,
        raw_records: Iterable[Mapping[str, Any]],
        *,
        own_numbers: frozenset[str] = ...,
        learn_own: bool = ...,
        not_before: datetime | None = ...,
        checkpoint: PageCheckpoint | None = ...,
        counted_since: datetime | None = ...,
        source: str = ...,
    ) -> PageResult: ...
