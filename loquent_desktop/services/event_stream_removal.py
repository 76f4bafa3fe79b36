"""Removing one stream: deciding from what the account holds now (`design_remove`), and
carrying out a confirmed design (`apply_remove`).

The subscription is deleted, and its sink only when nothing else uses it: no other
subscription (the other stream kind, another tool, another organization) and no other
organization's record. Who uses the sink is read again right before deleting it; only what
the plan showed is ever done.
"""

from __future__ import annotations

import asyncio

from ..domain.event_streams import StreamKind
from ..domain.validation import mask_sid
from .event_stream_change import ChangedSincePlan, NothingToChange, StreamChange, StreamTarget
from .event_stream_plans import RemoveDesign
from .event_stream_reads import read_account
from .event_stream_records import StreamRecords
from .event_stream_status import elsewhere, leftover_sink, locate


async def design_remove(
    target: StreamTarget, kind: StreamKind, records: StreamRecords
) -> RemoveDesign:
    """What removing `kind` would do; raises NothingToChange when it is not there."""
    gateway, own = target.gateway, target.describe(kind)
    account, record, claims = await asyncio.gather(
        read_account(gateway),
        records.get(target.org.id, kind),
        records.claims(target.org.id),
    )
    found = locate(kind, record, account, target.events_url, own, claims)
    sub, sink = found.subscription, found.sink
    if sub is None:
        # A sink left by an unfinished set-up or an earlier removal; only one that
        # nothing uses and no other organization recorded.
        sink = leftover_sink(record, found, account, claims)
    if sub is None and sink is None:
        if record is not None:
            await records.forget(target.org.id, kind)
        other = elsewhere(kind, account, own, claims)
        raise NothingToChange(
            f"{kind.label} are not set up for {target.org.name} on this Twilio account: "
            "nothing to remove." + (f" {other} Remove leaves that stream alone." if other else "")
        )
    types = len(await gateway.list_subscribed_events(sub.sid)) if sub else 0
    on_sink = account.on_sink(sink.sid) if sink else []
    users = tuple(s for s in on_sink if sub is None or s.sid != sub.sid)
    claimed = claims.of_sink(sink.sid) if sink else ()
    created = bool(record and sink and record.sink_sid == sink.sid and record.sink_created)
    return RemoveDesign(kind, sub, types, sink, users, claimed, created)


async def apply_remove(
    target: StreamTarget, design: RemoveDesign, records: StreamRecords
) -> StreamChange:
    """Carry out a confirmed removal; what changed since the plan is reported, never acted
    on beyond it."""
    gateway, kind = target.gateway, design.kind
    sub, sink = design.subscription, design.sink
    sub_gone = False
    if sub is not None:
        sub_gone = not await gateway.delete_subscription(sub.sid)
    sink_deleted = sink_gone = incomplete = False
    warning = None
    keep_record = False
    if sink is not None:
        # Read again right before deciding: another subscription (the other stream kind,
        # another tool, another organization) may have started or stopped using the sink
        # since the plan was shown. Only what the plan showed is ever done.
        users, claims = await asyncio.gather(
            gateway.list_subscriptions(sink.sid), records.claims(target.org.id)
        )
        names = [f"“{s.description}” ({mask_sid(s.sid)})" for s in users]
        names += [f"organization “{n}”" for n in claims.of_sink(sink.sid)]
        if design.delete_sink and names:
            incomplete = True
            warning = str(
                ChangedSincePlan(
                    f"{', '.join(names)} started using the sink {mask_sid(sink.sid)}, so it "
                    "was not deleted",
                    started=sub is not None,
                )
            )
        elif design.delete_sink:
            sink_deleted = await gateway.delete_sink(sink.sid)
            sink_gone = not sink_deleted
        elif not names:
            # The plan said the sink stays, so it stays; but nothing uses it now. Keep it
            # recorded so that Remove… can delete it (and Set up… reuses it).
            keep_record = True
            warning = (
                f"The sink {mask_sid(sink.sid)} stays, as the plan said, but nothing uses it "
                f"any more: {design.users_text()} went away after the plan was shown. "
                "Nothing more was sent; Remove… deletes the sink, Set up… uses it again."
            )
    kept = sink if keep_record else None
    store_error = await records.removed(target.org.id, kind, kept, design.sink_created)
    return StreamChange(
        kind,
        sink.sid if sink else None,
        sub.sid if sub else None,
        sink_deleted=sink_deleted,
        store_error=store_error,
        subscription_gone=sub_gone,
        sink_gone=sink_gone,
        warning=warning,
        incomplete=incomplete,
    )
