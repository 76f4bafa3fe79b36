"""Monitor Events (monitor.twilio.com/v1/Events): who changed a resource of the account.

Twilio records each change to a resource with its actor, source (the Console "web", "api",
"twilio"), source IP address and the properties before and after. Read-only. Every method
raises only `TwilioApiError` (a key without Monitor access: 401/403).

The actor of an API change is a credential (an Account SID or an API key SID); the spec's
`actor_sid` only admits user SIDs (US…), so such an actor is read from `links.actor`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from twilio.rest import Client

from ..domain.monitor_events import PropertyChange, TwilioChange
from .errors import translate_errors
from .paging import PageLinks

# A number's changes: the newest hundred say who touched it lately; older ones rarely matter.
DEFAULT_LIMIT = 100
_SID_IN_URL = re.compile(r"/((?:AC|SK|US)[0-9a-fA-F]{32})(?:\.json)?/?$")


class MonitorEventsGateway:
    def __init__(self, client: Client) -> None:
        self._api = client.monitor.v1.events

    async def list_for_resource(
        self,
        resource_sid: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        event_type: str | None = None,
        actor_sid: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[TwilioChange]:
        """The events about `resource_sid` (e.g. a PN… number), newest first, at most
        `limit`, optionally between `start` and `end` (inclusive) or of one type/actor."""
        filters: dict[str, Any] = {"resource_sid": resource_sid}
        for name, value in (
            ("start_date", start),
            ("end_date", end),
            ("event_type", event_type),
            ("actor_sid", actor_sid),
        ):
            if value is not None:
                filters[name] = value
        found: list[TwilioChange] = []
        links = PageLinks()
        async with translate_errors():
            page: Any = await self._api.page_async(page_size=min(limit, 1000), **filters)
            while page is not None:
                found.extend(change_from(inst) for inst in page)
                if len(found) >= limit:
                    break
                links.check(page.next_page_url)
                page = await page.next_page_async()
        return found[:limit]

    async def fetch(self, sid: str) -> TwilioChange:
        """One event by its AE… SID."""
        async with translate_errors():
            inst = await self._api(sid).fetch_async()
        return change_from(inst)


def change_from(inst: Any) -> TwilioChange:
    """Reduce a library EventInstance to what the app shows."""
    links = inst.links if isinstance(inst.links, dict) else {}
    actor = inst.actor_sid or _sid_in(links.get("actor"))
    return TwilioChange(
        sid=str(inst.sid),
        event_type=str(inst.event_type or ""),
        event_date=inst.event_date,
        resource_sid=inst.resource_sid,
        source=inst.source,
        source_ip_address=inst.source_ip_address,
        actor_type=inst.actor_type,
        actor=actor,
        changes=property_changes(inst.event_data),
        description=inst.description,
    )


def property_changes(data: Any) -> tuple[PropertyChange, ...]:
    """`event_data` of a `*.updated` event: {"resource_properties": {name: {"previous",
    "updated"}}}, or (as in Twilio's own example) the same mapping at the top level."""
    if not isinstance(data, dict):
        return ()
    properties = data.get("resource_properties", data)
    if not isinstance(properties, dict):
        return ()
    return tuple(
        PropertyChange(str(name), _text(value.get("previous")), _text(value.get("updated")))
        for name, value in properties.items()
        if isinstance(value, dict) and ("previous" in value or "updated" in value)
    )


def _sid_in(url: Any) -> str | None:
    match = _SID_IN_URL.search(url) if isinstance(url, str) else None
    return match.group(1) if match else None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
