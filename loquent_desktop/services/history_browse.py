"""Browsing synced messages and calls, and exporting them. Local only: nothing here talks
to Twilio.

Pages, not everything: a million messages are read `HistoryQuery.limit` rows at a time in
time order, each page continuing after the last (`HistoryCursor`); the count beside them
is exact and comes from an index. Text search covers the whole history through the
database's text index (migration 0007), never only the rows loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..domain.history_records import ContactRecord, HistoryCursor, HistoryPage, HistoryQuery
from ..store.repositories.calls import CallRepository
from ..store.repositories.contacts import ContactRepository
from ..store.repositories.history_repository import HistoryRepository
from ..store.repositories.messages import MessageRepository
from ..store.repositories.recordings import RecordingRepository
from .history_export import write_history_csv
from .history_kinds import kind_named

EXPORT_PAGE = 5000


class HistoryBrowseService:
    def __init__(
        self,
        messages: MessageRepository,
        calls: CallRepository,
        contacts: ContactRepository,
        recordings: RecordingRepository | None = None,
    ) -> None:
        self.repositories: dict[str, HistoryRepository[Any]] = {
            "messages": messages,
            "calls": calls,
        }
        self.contacts = contacts
        self.recordings = recordings

    def _repository(self, kind: str) -> HistoryRepository[Any]:
        return self.repositories[kind_named(kind).name]

    async def page(
        self, org_id: int, kind: str, query: HistoryQuery, after: HistoryCursor | None = None
    ) -> HistoryPage:
        """The first page of records matching `query` (filters and text), or the one after
        `after`."""
        return await asyncio.to_thread(self._repository(kind).search, org_id, query, after)

    async def count(self, org_id: int, kind: str, query: HistoryQuery) -> int:
        """Exactly how many records match `query` (all of them, not the pages read)."""
        return await asyncio.to_thread(self._repository(kind).count_matching, org_id, query)

    async def statuses(self, org_id: int, kind: str) -> list[str]:
        return await asyncio.to_thread(self._repository(kind).statuses, org_id)

    async def recorded_calls(self, org_id: int) -> set[str]:
        """Call SIDs with a synced recording (the Calls table marks them)."""
        if self.recordings is None:
            return set()
        return await asyncio.to_thread(self.recordings.call_sids, org_id)

    async def contact_list(self, org_id: int) -> list[ContactRecord]:
        return await asyncio.to_thread(self.contacts.list_for_org, org_id)

    def _every_match(self, org_id: int, kind: str, query: HistoryQuery) -> Iterator[Any]:
        repository = self._repository(kind)
        query = replace(query, limit=EXPORT_PAGE)
        after: HistoryCursor | None = None
        while True:
            page = repository.search(org_id, query, after)
            yield from page.records
            if page.next is None:
                return
            after = page.next

    async def export_csv(self, org_id: int, kind: str, query: HistoryQuery, path: Path) -> int:
        """Write every record matching `query` (not only the pages on screen) to `path`, in
        the order shown; returns rows written."""
        kind_named(kind)
        records = self._every_match(org_id, kind, query)
        return await asyncio.to_thread(write_history_csv, kind, records, path)
