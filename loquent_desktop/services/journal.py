"""The journal of changes to Twilio accounts, as the Journal tab reads it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..domain.records import JournalRecord
from ..store.repositories import JournalRepository
from .plan_runner import PlanRunner

RECENT_LIMIT = 500


@dataclass(frozen=True)
class JournalPage:
    entries: list[JournalRecord]
    running: frozenset[int]  # ids of entries whose change is being sent now
    truncated: bool  # more entries exist than were read

    def state_of(self, entry: JournalRecord) -> str:
        if entry.outcome:
            return entry.outcome
        return "running" if entry.id in self.running else "interrupted"


class JournalService:
    def __init__(self, journal: JournalRepository, plans: PlanRunner) -> None:
        self.journal = journal
        self.plans = plans

    async def recent(self, limit: int = RECENT_LIMIT) -> JournalPage:
        entries = await asyncio.to_thread(self.journal.list, limit + 1)
        return JournalPage(
            entries=entries[:limit],
            running=frozenset(self.plans.running),
            truncated=len(entries) > limit,
        )
