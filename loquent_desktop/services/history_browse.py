"""Browsing synced messages and calls, and exporting them. Local only: nothing here talks
to Twilio."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..domain.history_records import ContactRecord, HistoryPage, HistoryQuery
from ..store.repositories.calls import CallRepository
from ..store.repositories.contacts import ContactRepository
from ..store.repositories.history_repository import HistoryRepository
from ..store.repositories.messages import MessageRepository
from .history_export import write_history_csv
from .history_kinds import kind_named


class HistoryBrowseService:
    def __init__(
        self, messages: MessageRepository, calls: CallRepository, contacts: ContactRepository
    ) -> None:
        self.repositories: dict[str, HistoryRepository[Any]] = {
            "messages": messages,
            "calls": calls,
        }
        self.contacts = contacts

    def _repository(self, kind: str) -> HistoryRepository[Any]:
        return self.repositories[kind_named(kind).name]

    async def search(self, org_id: int, kind: str, query: HistoryQuery) -> HistoryPage:
        """The newest records matching the database filters (date, direction, status)."""
        return await asyncio.to_thread(self._repository(kind).search, org_id, query)

    async def statuses(self, org_id: int, kind: str) -> list[str]:
        return await asyncio.to_thread(self._repository(kind).statuses, org_id)

    async def contact_list(self, org_id: int) -> list[ContactRecord]:
        return await asyncio.to_thread(self.contacts.list_for_org, org_id)

    async def export_csv(self, kind: str, records: list[Any], path: Path) -> int:
        """Write the records (those on screen) to `path`; returns rows written."""
        kind_named(kind)
        return await asyncio.to_thread(write_history_csv, kind, records, path)
