"""Plan → confirm → execute → journal: the one path for every change to a Twilio account.

Confirmation is a callback so the core stays free of Qt: the UI passes a coroutine that shows
the dialog. Cancel returns before anything is sent; every outcome is journaled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..domain.errors import PlanCancelled
from ..domain.plans import Plan
from ..store.repositories import AuditRepository
from ..twilio_api.errors import translate_errors

T = TypeVar("T")
Confirm = Callable[[Plan], Awaitable[bool]]


class PlanRunner:
    def __init__(self, audit: AuditRepository) -> None:
        self.audit = audit

    async def run(
        self,
        plan: Plan,
        confirm: Confirm,
        execute: Callable[[], Awaitable[T]],
        org_id: int | None,
        summarize: Callable[[T], dict[str, Any]] | None = None,
    ) -> T:
        """`summarize` turns the execution's result into what the journal keeps of it."""
        journal = plan.to_journal()
        if not await confirm(plan):
            entry = await asyncio.to_thread(
                self.audit.start, journal, org_id, plan.organization, plan.action, plan.title
            )
            await asyncio.to_thread(self.audit.finish, entry, "cancelled", None)
            raise PlanCancelled()
        entry = await asyncio.to_thread(
            self.audit.start, journal, org_id, plan.organization, plan.action, plan.title
        )
        try:
            async with translate_errors():  # the journal and the caller see one error type
                result = await execute()
        except BaseException as exc:
            # CancelledError included: the user closed the app mid-change; record that.
            await asyncio.shield(
                asyncio.to_thread(self.audit.finish, entry, "failed", str(exc) or repr(exc))
            )
            raise
        summary = summarize(result) if summarize is not None else None
        await asyncio.to_thread(self.audit.finish, entry, "succeeded", None, summary)
        return result
