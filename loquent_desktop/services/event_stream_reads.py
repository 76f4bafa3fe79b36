"""Reading an account's Event Streams set-up (read-only): sinks, subscriptions, subscribed
types, the event-type catalog and schema versions, as plain domain records.

Every list follows Twilio's own next-page links (`pages`), at the maximum page size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from twilio.rest import Client

from ..domain.errors import TwilioApiError
from ..domain.event_streams import EventTypeInfo, LiveSink, LiveSubscription, same_destination
from ..twilio_api.errors import translate_errors
from ..twilio_api.paging import pages


@dataclass(frozen=True)
class AccountStreams:
    """The account's sinks and subscriptions at one moment."""

    sinks: tuple[LiveSink, ...]
    subscriptions: tuple[LiveSubscription, ...]

    def sink(self, sid: str | None) -> LiveSink | None:
        return next((s for s in self.sinks if s.sid == sid), None)

    def subscription(self, sid: str | None) -> LiveSubscription | None:
        return next((s for s in self.subscriptions if s.sid == sid), None)

    def on_sink(self, sink_sid: str) -> list[LiveSubscription]:
        return [s for s in self.subscriptions if s.sink_sid == sink_sid]

    def webhooks_to(self, destination: str) -> list[LiveSink]:
        """Webhook sinks delivering to `destination` (however its scheme, host, port or
        trailing slash are spelled), active ones first."""
        found = [
            s
            for s in self.sinks
            if s.sink_type == "webhook" and same_destination(s.destination, destination)
        ]
        return sorted(found, key=lambda s: s.status != "active")


def _sink(inst: Any) -> LiveSink:
    config = inst.sink_configuration if isinstance(inst.sink_configuration, dict) else {}
    destination = config.get("destination")
    return LiveSink(
        sid=str(inst.sid),
        sink_type=str(inst.sink_type or ""),
        status=str(inst.status or ""),
        destination=str(destination) if destination else None,
        description=str(inst.description or ""),
    )


def _subscription(inst: Any) -> LiveSubscription:
    return LiveSubscription(str(inst.sid), str(inst.sink_sid), str(inst.description or ""))


async def read_sinks(client: Client) -> list[LiveSink]:
    return [_sink(inst) async for page in pages(client.events.v1.sinks) for inst in page]


async def read_subscriptions(client: Client, sink_sid: str | None = None) -> list[LiveSubscription]:
    filters = {"sink_sid": sink_sid} if sink_sid else {}
    api = client.events.v1.subscriptions
    return [_subscription(inst) async for page in pages(api, **filters) for inst in page]


async def read_account(client: Client) -> AccountStreams:
    sinks, subscriptions = await asyncio.gather(read_sinks(client), read_subscriptions(client))
    return AccountStreams(tuple(sinks), tuple(subscriptions))


async def read_subscribed_types(client: Client, subscription_sid: str) -> dict[str, int]:
    """Event type -> schema version of one subscription."""
    api = client.events.v1.subscriptions(subscription_sid).subscribed_events
    return {
        str(inst.type): int(inst.schema_version or 0) async for page in pages(api) for inst in page
    }


async def read_catalog(client: Client) -> list[EventTypeInfo]:
    return [
        EventTypeInfo(str(t.type), str(t.schema_id or ""), str(t.status or "available"))
        async for page in pages(client.events.v1.event_types)
        for t in page
    ]


async def latest_versions(client: Client, schema_ids: Iterable[str]) -> dict[str, int]:
    """The newest version of each schema: new subscriptions get the current event shape."""
    ids = sorted(set(schema_ids))

    async def one(schema_id: str) -> int:
        async with translate_errors():
            schema = await client.events.v1.schemas(schema_id).fetch_async()
        return int(schema.latest_version or 1)

    versions = await asyncio.gather(*(one(i) for i in ids))
    return dict(zip(ids, versions, strict=True))


async def gone_is_fine(call: Any) -> bool:
    """Run a delete; True if it deleted, False if Twilio says it was already gone (someone
    removed it in the Console meanwhile: the goal is reached either way)."""
    try:
        async with translate_errors():
            await call()
    except TwilioApiError as err:
        if err.is_not_found:
            return False
        raise
    return True
