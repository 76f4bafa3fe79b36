"""Loquent's own records of the streams it set up (the `event_streams` table), as set-up and
removal use them: what the other organizations claim, and saving after Twilio changed.

A database failure after Twilio changed is returned in words, not raised: the account has
changed either way, and status finds the subscription again by its description.
"""

from __future__ import annotations

import asyncio
import logging

from ..domain.event_streams import LiveSink, StreamKind
from ..store.repositories import EventStreamRecord, EventStreamRepository
from .event_stream_status import Claim, Claims

log = logging.getLogger(__name__)


class StreamRecords:
    def __init__(self, repository: EventStreamRepository) -> None:
        self.repository = repository

    async def list_for(self, org_id: int) -> list[EventStreamRecord]:
        return await asyncio.to_thread(self.repository.list_for, org_id)

    async def get(self, org_id: int, kind: StreamKind) -> EventStreamRecord | None:
        return await asyncio.to_thread(self.repository.get, org_id, kind.value)

    async def forget(self, org_id: int, kind: StreamKind) -> None:
        """Drop a record of a stream that is not on Twilio (a local write only)."""
        await asyncio.to_thread(self.repository.remove, org_id, kind.value)

    async def claims(self, org_id: int) -> Claims:
        """What the organizations besides `org_id` recorded."""
        rows = await asyncio.to_thread(self.repository.claims_besides, org_id)
        return Claims(tuple(Claim(name, record) for name, record in rows))

    async def save(
        self,
        org_id: int,
        kind: StreamKind,
        sink_sid: str | None,
        subscription_sid: str | None,
        destination: str,
        sink_created: bool,
        types: list[str],
    ) -> str | None:
        """Record the stream; a database failure comes back in words."""
        try:
            await asyncio.to_thread(
                self.repository.save,
                org_id,
                kind.value,
                sink_sid=sink_sid,
                subscription_sid=subscription_sid,
                destination=destination,
                sink_created=sink_created,
                types=types,
            )
        except Exception as exc:
            log.exception("Could not record the %s event stream of organization %s", kind, org_id)
            return str(getattr(exc, "orig", None) or exc) or type(exc).__name__
        return None

    async def removed(
        self, org_id: int, kind: StreamKind, kept_sink: LiveSink | None, sink_created: bool
    ) -> str | None:
        """After a removal: forget the stream, or keep only its sink (`kept_sink`, which
        nothing uses any more) so that Remove… can delete it and Set up… reuses it. A
        database failure comes back in words."""
        try:
            if kept_sink is not None:
                await asyncio.to_thread(
                    self.repository.save,
                    org_id,
                    kind.value,
                    sink_sid=kept_sink.sid,
                    subscription_sid=None,
                    destination=kept_sink.destination,
                    sink_created=sink_created,
                    types=[],
                )
            else:
                await asyncio.to_thread(self.repository.remove, org_id, kind.value)
        except Exception as exc:
            log.exception("Removed %s events but could not update the database", kind)
            return str(getattr(exc, "orig", None) or exc)
        return None
