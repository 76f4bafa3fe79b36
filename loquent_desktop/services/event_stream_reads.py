"""Reading an account's Event Streams set-up at one moment (read-only): its sinks and
subscriptions together, and the newest schema version of several event types at once.

The single requests are the gateway's (`twilio_api.event_streams`); this module only
combines them into what the plans are decided from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.event_streams import LiveSink, LiveSubscription, same_destination
from ..twilio_api.event_streams import EventStreamsGateway


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


async def read_account(gateway: EventStreamsGateway) -> AccountStreams:
    sinks, subscriptions = await asyncio.gather(gateway.list_sinks(), gateway.list_subscriptions())
    return AccountStreams(tuple(sinks), tuple(subscriptions))


async def latest_versions(
    gateway: EventStreamsGateway, schema_ids: Iterable[str]
) -> dict[str, int]:
    """The newest version of each schema: new subscriptions get the current event shape."""
    ids = sorted(set(schema_ids))
    versions = await asyncio.gather(*(gateway.fetch_latest_schema_version(i) for i in ids))
    return dict(zip(ids, versions, strict=True))
