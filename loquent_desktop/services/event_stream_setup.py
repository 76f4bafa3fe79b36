"""Setting up one stream: deciding from what the account holds now (`design_setup`), and
carrying out a confirmed design (`apply_setup`).

Set up twice and there is still one sink and one subscription: the design starts from what
the account holds now (the recorded subscription, or one with the organization's own
description), so a repeat, or a retry after a lost answer, extends or reuses instead of
creating again. After confirmation the account is read again first: if it changed in a way
that makes the plan untrue, nothing is sent (`ChangedSincePlan`).
"""

from __future__ import annotations

import asyncio
import logging

from ..domain.errors import LoquentError, TwilioApiError
from ..domain.event_streams import (
    SINK_DESCRIPTION,
    WEBHOOK_METHOD,
    LiveSink,
    StreamKind,
    same_destination,
    stream_types,
)
from ..domain.validation import mask_sid
from ..store.repositories import EventStreamRecord
from .event_stream_change import ChangedSincePlan, NothingToChange, StreamChange, StreamTarget
from .event_stream_plans import SetupDesign, setup_drift
from .event_stream_reads import latest_versions, read_account
from .event_stream_records import StreamRecords
from .event_stream_status import elsewhere, locate, other_sinks

log = logging.getLogger(__name__)


async def design_setup(
    target: StreamTarget, kind: StreamKind, records: StreamRecords
) -> SetupDesign:
    """What setting up `kind` would do; raises NothingToChange when it is complete, and
    LoquentError when it cannot be done as things are."""
    gateway, url, own = target.gateway, target.events_url, target.describe(kind)
    account, catalog, recorded, claims = await asyncio.gather(
        read_account(gateway),
        gateway.list_event_types(),
        records.list_for(target.org.id),
        records.claims(target.org.id),
    )
    record = next((r for r in recorded if r.kind == kind.value), None)
    found = locate(kind, record, account, url, own, claims)
    if found.subscription is None and (other := elsewhere(kind, account, own, claims)):
        raise NothingToChange(
            f"{other} Event Streams are account-wide, so a second subscription would make "
            "Loquent receive every event twice. Nothing was changed."
        )
    if found.subscription is not None and (
        found.sink is None
        or not same_destination(found.sink.destination, url)
        or found.sink.status != "active"
    ):
        where = found.sink.destination if found.sink else "a sink that is gone"
        raise LoquentError(
            f"{kind.label} already go to {where} (subscription "
            f"{mask_sid(found.subscription.sid)}), which is not working or not the events "
            f"URL {url}. Remove them first, then set up again."
        )
    wanted = stream_types(kind, catalog)
    if not wanted:
        raise LoquentError(
            f"Twilio lists no available {kind.noun} event types for this account, so there "
            "is nothing to subscribe to."
        )
    subscribed = (
        await gateway.list_subscribed_events(found.subscription.sid) if found.subscription else {}
    )
    missing = [t for t in wanted if t.type not in subscribed]
    if found.subscription is not None and found.sink is not None and not missing:
        if record is None or record.subscription_sid != found.subscription.sid:
            # Found but not recorded (a lost answer): record it, a local write only.
            await records.save(target.org.id, kind, found.sink.sid, found.subscription.sid,
                               url, False, list(subscribed))  # fmt: skip
        raise NothingToChange(
            f"{kind.label} are already set up: subscription "
            f"{mask_sid(found.subscription.sid)} sends all {len(subscribed)} event types to "
            f"{url}. Nothing was changed."
        )
    versions = await latest_versions(gateway, (t.schema_id for t in missing))
    sink = found.sink or next((s for s in account.webhooks_to(url) if s.status == "active"), None)
    if sink is None and account.webhooks_to(url):
        broken = account.webhooks_to(url)[0]
        raise LoquentError(
            f"The account has a sink to {url} ({mask_sid(broken.sid)}), but Twilio reports "
            f"it as “{broken.status}”. Fix or delete it in the Twilio Console, then try "
            "again."
        )
    return SetupDesign(
        kind=kind,
        destination=url,
        description=own,
        sink=sink,
        sink_created=_created_by_us(record, sink),
        subscription=found.subscription,
        subscribed=subscribed,
        add={t.type: versions[t.schema_id] for t in missing},
        others=other_sinks(account, url, recorded, claims),
    )


async def apply_setup(
    target: StreamTarget, design: SetupDesign, records: StreamRecords
) -> StreamChange:
    """Carry out a confirmed set-up, exactly as its plan showed."""
    gateway, kind = target.gateway, design.kind
    # The user confirmed what the dialog showed; the account may have moved on since
    # (another window, another organization on the same account, the Console).
    live, claims = await asyncio.gather(read_account(gateway), records.claims(target.org.id))
    subscribed_now = (
        await gateway.list_subscribed_events(design.subscription.sid)
        if design.subscription and live.subscription(design.subscription.sid)
        else {}
    )
    if drift := setup_drift(design, live, subscribed_now, claims):
        raise ChangedSincePlan(drift)
    sink_sid = design.sink.sid if design.sink else None
    created = design.sink_created
    sub_sid = design.subscription.sid if design.subscription else None
    types = dict(design.subscribed)
    try:
        if sink_sid is None:
            sink = await gateway.create_webhook_sink(
                SINK_DESCRIPTION, design.destination, WEBHOOK_METHOD
            )
            sink_sid, created = sink.sid, True
        if sub_sid is None:
            sub = await gateway.create_subscription(design.description, sink_sid, design.add)
            sub_sid = sub.sid
            types.update(design.add)
        else:
            for event_type, version in design.add.items():
                await gateway.add_subscribed_event(sub_sid, event_type, version)
                types[event_type] = version
    except TwilioApiError as err:
        if sink_sid is None:
            raise
        # Keep what exists on Twilio recorded: Set up continues from it, Remove cleans it.
        await records.save(target.org.id, kind, sink_sid, sub_sid, design.destination,
                           created, list(types))  # fmt: skip
        if sub_sid is None and created and design.sink is None:
            raise LoquentError(
                f"{err.message} The new sink {mask_sid(sink_sid)} was created but no "
                "subscription yet: Set up again to finish (the sink is reused), or Remove "
                "to delete it."
            ) from None
        raise
    store_error = await records.save(
        target.org.id, kind, sink_sid, sub_sid, design.destination, created, list(types)
    )
    log.info("Set up %s events for organization %s: %s", kind, target.org.id, sub_sid)
    return StreamChange(kind, sink_sid, sub_sid, created, False, tuple(types), store_error)


def _created_by_us(record: EventStreamRecord | None, sink: LiveSink | None) -> bool:
    """Whether the sink being reused is one Loquent created earlier (by its record)."""
    return bool(record and sink and record.sink_sid == sink.sid and record.sink_created)
