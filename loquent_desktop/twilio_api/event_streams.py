"""Event Streams (events.twilio.com/v1): sinks, subscriptions, their subscribed events, the
event-type catalog and schemas.

One named method per endpoint. Records come back as domain values (`LiveSink`,
`LiveSubscription`, `EventTypeInfo`); lists follow Twilio's own next-page links at the
maximum page size (`pages`). Every method raises only `TwilioApiError`; a delete of something
already gone answers False instead (someone removed it in the Console meanwhile: the goal is
reached either way).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from twilio.rest import Client

from ..domain.errors import TwilioApiError
from ..domain.event_streams import EventTypeInfo, LiveSink, LiveSubscription
from .errors import translate_errors
from .paging import pages

SINK_TYPE_WEBHOOK = "webhook"


class EventStreamsGateway:
    def __init__(self, client: Client) -> None:
        self._api = client.events.v1

    # -- sinks ---------------------------------------------------------------------------

    async def list_sinks(self) -> list[LiveSink]:
        return [_sink(inst) async for page in pages(self._api.sinks) for inst in page]

    async def create_webhook_sink(
        self, description: str, destination: str, method: str
    ) -> LiveSink:
        """A webhook sink delivering one request per event (no batching) to `destination`.
        Twilio makes sinks active right away (there is no validation step now)."""
        async with translate_errors():
            inst = await self._api.sinks.create_async(
                description=description,
                sink_configuration={
                    "destination": destination,
                    "method": method,
                    "batch_events": False,
                },
                sink_type=SINK_TYPE_WEBHOOK,
            )
        return _sink(inst)

    async def delete_sink(self, sid: str) -> bool:
        """True if deleted, False if it was already gone."""
        return await _gone_is_fine(self._api.sinks(sid).delete_async)

    # -- subscriptions -------------------------------------------------------------------

    async def list_subscriptions(self, sink_sid: str | None = None) -> list[LiveSubscription]:
        """Every subscription of the account, or only those on `sink_sid`."""
        filters = {"sink_sid": sink_sid} if sink_sid else {}
        api = self._api.subscriptions
        return [_subscription(inst) async for page in pages(api, **filters) for inst in page]

    async def create_subscription(
        self, description: str, sink_sid: str, types: dict[str, int]
    ) -> LiveSubscription:
        """A subscription on `sink_sid` to `types` (event type -> schema version)."""
        async with translate_errors():
            inst = await self._api.subscriptions.create_async(
                description=description,
                sink_sid=sink_sid,
                types=[{"type": t, "schema_version": v} for t, v in types.items()],
            )
        return _subscription(inst)

    async def delete_subscription(self, sid: str) -> bool:
        """True if deleted, False if it was already gone."""
        return await _gone_is_fine(self._api.subscriptions(sid).delete_async)

    # -- subscribed events ---------------------------------------------------------------

    async def list_subscribed_events(self, subscription_sid: str) -> dict[str, int]:
        """Event type -> schema version of one subscription."""
        api = self._api.subscriptions(subscription_sid).subscribed_events
        return {
            str(inst.type): int(inst.schema_version or 0)
            async for page in pages(api)
            for inst in page
        }

    async def add_subscribed_event(
        self, subscription_sid: str, event_type: str, schema_version: int
    ) -> None:
        api = self._api.subscriptions(subscription_sid).subscribed_events
        async with translate_errors():
            await api.create_async(type=event_type, schema_version=schema_version)

    # -- catalog -------------------------------------------------------------------------

    async def list_event_types(self) -> list[EventTypeInfo]:
        """Every event type Twilio lists, with its schema and status ("available", …)."""
        return [
            EventTypeInfo(str(t.type), str(t.schema_id or ""), str(t.status or "available"))
            async for page in pages(self._api.event_types)
            for t in page
        ]

    async def fetch_latest_schema_version(self, schema_id: str) -> int:
        async with translate_errors():
            schema = await self._api.schemas(schema_id).fetch_async()
        return int(schema.latest_version or 1)


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


async def _gone_is_fine(delete: Callable[[], Awaitable[Any]]) -> bool:
    try:
        async with translate_errors():
            await delete()
    except TwilioApiError as err:
        if err.is_not_found:
            return False
        raise
    return True
