"""SMS and call event streaming: Twilio Event Streams set up in the organization's own account.

Setting up creates (or reuses) a webhook sink to the organization's events URL and one
subscription per stream kind; removing deletes the subscription, and the sink only when no
other subscription uses it (checked live, right before deleting). Both go through plan →
confirm → execute → journal; status and plans only read.

Set up twice and there is still one sink and one subscription: the plan starts from what the
account holds now (the recorded subscription, or one with the organization's own description),
so a repeat, or a retry after a lost answer, extends or reuses instead of creating again.
Changes to one Twilio account run one at a time, so SMS and calls set up together (or two
organizations connected to the same account) cannot both create a sink.

After the plan is confirmed nothing is done that the plan did not show: the account is read
again first, and if it changed in a way that matters the change stops with "changed since the
plan was shown; nothing (more) was sent — look again". Another organization's stream on the
same account is never adopted, extended or deleted.

Shared organizations cannot stream on their own: Loquent's shared account serves several
organizations and Event Streams are account-wide.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from twilio.rest import Client

from ..domain import validation
from ..domain.errors import LoquentError, TwilioApiError
from ..domain.event_streams import (
    SINK_DESCRIPTION,
    WEBHOOK_METHOD,
    Access,
    LiveSink,
    StreamKind,
    StreamsOverview,
    normalize_destination,
    organization_tag,
    same_destination,
    stream_types,
)
from ..domain.plans import Plan
from ..domain.records import OrganizationRecord
from ..domain.validation import mask_sid
from ..store.repositories import EventStreamRecord, EventStreamRepository, OrganizationRepository
from ..twilio_api.errors import translate_errors
from .event_stream_plans import (
    Claim,
    Claims,
    RemoveDesign,
    SetupDesign,
    elsewhere,
    leftover_sink,
    locate,
    other_sinks,
    recorded_streams,
    remove_plan,
    setup_drift,
    setup_plan,
    stream_status,
)
from .event_stream_reads import (
    gone_is_fine,
    latest_versions,
    read_account,
    read_catalog,
    read_subscribed_types,
    read_subscriptions,
)
from .plan_runner import Confirm, PlanRunner
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)
D = TypeVar("D", SetupDesign, RemoveDesign)

SHARED_REFUSED = (
    "Shared mode: Loquent's shared Twilio account serves several organizations, and Event "
    "Streams are account-wide, so Loquent streams the shared account's events itself. There "
    "is nothing to set up per organization."
)


class NothingToChange(LoquentError):
    """The account already is as asked: no plan, nothing sent."""


class ChangedSincePlan(LoquentError):
    """The account changed after the plan was shown in a way that makes the plan untrue:
    stopped before sending what the plan did not show."""

    def __init__(self, what: str, *, started: bool = False) -> None:
        sent = "nothing more was sent" if started else "nothing was sent"
        super().__init__(
            f"The Twilio account changed since the plan was shown: {what}. {sent.capitalize()} "
            "— look again (Refresh) before trying again."
        )


@dataclass(frozen=True)
class StreamChange:
    """What a set-up or removal did."""

    kind: StreamKind
    sink_sid: str | None
    subscription_sid: str | None
    sink_created: bool = False
    sink_deleted: bool = False
    types: tuple[str, ...] = ()
    store_error: str | None = None  # Twilio changed, but Loquent's database could not say so
    subscription_gone: bool = False  # removing: it was already gone from Twilio
    sink_gone: bool = False  # removing: the sink to delete was already gone from Twilio
    # Removing: the account changed after the plan was shown (in words); `incomplete` when a
    # step of the plan was therefore not carried out.
    warning: str | None = None
    incomplete: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "sink_sid": self.sink_sid,
            "subscription_sid": self.subscription_sid,
            "sink_created": self.sink_created,
            "sink_deleted": self.sink_deleted,
            "subscription_gone": self.subscription_gone,
            "sink_gone": self.sink_gone,
            "types": list(self.types),
            "warning": self.warning,
            "store_error": self.store_error,
        }

    def grade(self) -> tuple[str, str | None]:
        return ("partial", self.warning) if self.incomplete else ("succeeded", None)


@dataclass(frozen=True)
class _Target:
    """An organization whose own account may be changed, with a client for it."""

    org: OrganizationRecord
    client: Client
    account: str  # masked SID
    events_url: str  # normalised

    def describe(self, kind: StreamKind) -> str:
        """The description of the organization's own subscription of `kind`."""
        return kind.description_for(organization_tag(self.org.keychain_id))


class EventStreamsService:
    def __init__(
        self,
        access: TwilioAccess,
        organizations: OrganizationRepository,
        streams: EventStreamRepository,
        plans: PlanRunner,
        default_events_url: str,
    ) -> None:
        self.access = access
        self.organizations = organizations
        self.streams = streams
        self.plans = plans
        self.default_events_url = default_events_url
        # Per Twilio account: organizations connected to the same account take turns.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # -- events URL (local setting) ------------------------------------------------------

    async def set_events_url(self, org_id: int, url: str) -> OrganizationRecord:
        """Empty means the app's default. Streams already set up keep their destination until
        they are removed and set up again (status says so)."""
        text = url.strip()
        cleaned = normalize_destination(validation.https_url(text, "events_url")) if text else None
        return await asyncio.to_thread(self.organizations.set_events_url, org_id, cleaned)

    # -- status (read-only) --------------------------------------------------------------

    async def status(self, org_id: int) -> StreamsOverview:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        url = normalize_destination(org.effective_events_url(self.default_events_url))
        is_default = org.events_url is None
        if not org.byo_twilio or not org.is_connected:
            return await self._unmanageable(org, url, is_default)
        client, resolved = await self.access.client_for(org_id)
        account, catalog, records, claims = await asyncio.gather(
            read_account(client),
            read_catalog(client),
            asyncio.to_thread(self.streams.list_for, org_id),
            self._claims(org_id),
        )
        by_kind = {r.kind: r for r in records}
        mark = organization_tag(org.keychain_id)
        streams = {}
        for kind in StreamKind:
            record, own = by_kind.get(kind.value), kind.description_for(mark)
            found = locate(kind, record, account, url, own, claims)
            subscribed = (
                await read_subscribed_types(client, found.subscription.sid)
                if found.subscription
                else {}
            )
            wanted = stream_types(kind, catalog)
            other = None if found.subscription else elsewhere(kind, account, own, claims)
            left = leftover_sink(record, found, account, claims)
            streams[kind] = stream_status(
                kind, record, found, url, subscribed, wanted, account, left, other
            )
        return StreamsOverview(
            org.name,
            Access.BYO,
            url,
            is_default,
            account=resolved.credentials.masked_sid,
            sms=streams[StreamKind.SMS],
            calls=streams[StreamKind.CALLS],
            other_sinks=other_sinks(account, url, records, claims),
        )

    async def _unmanageable(
        self, org: OrganizationRecord, url: str, is_default: bool
    ) -> StreamsOverview:
        """Shared, or BYO without credentials: Twilio is not read. Streams recorded while the
        organization used its own account are still shown (Twilio keeps sending their events)
        with how to remove them, from the records alone."""
        access = Access.SHARED if not org.byo_twilio else Access.NOT_CONNECTED
        records = await asyncio.to_thread(self.streams.list_for, org.id)
        account = org.masked_account_sid if org.twilio_account_sid else None
        streams = recorded_streams(records, access, account)
        return StreamsOverview(
            org.name,
            access,
            url,
            is_default,
            account=org.masked_account_sid if org.twilio_account_sid else "—",
            sms=streams.get(StreamKind.SMS),
            calls=streams.get(StreamKind.CALLS),
        )

    # -- set up --------------------------------------------------------------------------

    async def plan_setup(self, org_id: int, kind: StreamKind) -> Plan:
        """What setting up `kind` would do; raises NothingToChange when it is complete."""
        target = await self._target(org_id)
        return setup_plan(await self._design_setup(target, kind), target.org.name, target.account)

    async def setup(self, org_id: int, kind: StreamKind, confirm: Confirm) -> StreamChange:
        return await self._change(
            org_id, kind, confirm, self._design_setup, setup_plan, self._apply_setup
        )

    async def _design_setup(self, target: _Target, kind: StreamKind) -> SetupDesign:
        client, url, own = target.client, target.events_url, target.describe(kind)
        account, catalog, records, claims = await asyncio.gather(
            read_account(client),
            read_catalog(client),
            asyncio.to_thread(self.streams.list_for, target.org.id),
            self._claims(target.org.id),
        )
        record = next((r for r in records if r.kind == kind.value), None)
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
            await read_subscribed_types(client, found.subscription.sid)
            if found.subscription
            else {}
        )
        missing = [t for t in wanted if t.type not in subscribed]
        if found.subscription is not None and found.sink is not None and not missing:
            if record is None or record.subscription_sid != found.subscription.sid:
                # Found but not recorded (a lost answer): record it, a local write only.
                await self._store(target.org.id, kind, found.sink.sid, found.subscription.sid,
                                  url, False, list(subscribed))  # fmt: skip
            raise NothingToChange(
                f"{kind.label} are already set up: subscription "
                f"{mask_sid(found.subscription.sid)} sends all {len(subscribed)} event types to "
                f"{url}. Nothing was changed."
            )
        versions = await latest_versions(client, (t.schema_id for t in missing))
        sink = found.sink or next(
            (s for s in account.webhooks_to(url) if s.status == "active"), None
        )
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
            others=other_sinks(account, url, records, claims),
        )

    async def _apply_setup(self, target: _Target, design: SetupDesign) -> StreamChange:
        client, kind = target.client, design.kind
        # The user confirmed what the dialog showed; the account may have moved on since
        # (another window, another organization on the same account, the Console).
        live, claims = await asyncio.gather(read_account(client), self._claims(target.org.id))
        subscribed_now = (
            await read_subscribed_types(client, design.subscription.sid)
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
                async with translate_errors():
                    sink = await client.events.v1.sinks.create_async(
                        description=SINK_DESCRIPTION,
                        sink_configuration={
                            "destination": design.destination,
                            "method": WEBHOOK_METHOD,
                            "batch_events": False,
                        },
                        sink_type="webhook",
                    )
                sink_sid, created = str(sink.sid), True
            if sub_sid is None:
                async with translate_errors():
                    sub = await client.events.v1.subscriptions.create_async(
                        description=design.description,
                        sink_sid=sink_sid,
                        types=[{"type": t, "schema_version": v} for t, v in design.add.items()],
                    )
                sub_sid = str(sub.sid)
                types.update(design.add)
            else:
                api = client.events.v1.subscriptions(sub_sid).subscribed_events
                for event_type, version in design.add.items():
                    async with translate_errors():
                        await api.create_async(type=event_type, schema_version=version)
                    types[event_type] = version
        except TwilioApiError as err:
            if sink_sid is None:
                raise
            # Keep what exists on Twilio recorded: Set up continues from it, Remove cleans it.
            await self._store(target.org.id, kind, sink_sid, sub_sid, design.destination,
                              created, list(types))  # fmt: skip
            if sub_sid is None and created and design.sink is None:
                raise LoquentError(
                    f"{err.message} The new sink {mask_sid(sink_sid)} was created but no "
                    "subscription yet: Set up again to finish (the sink is reused), or Remove "
                    "to delete it."
                ) from None
            raise
        store_error = await self._store(
            target.org.id, kind, sink_sid, sub_sid, design.destination, created, list(types)
        )
        log.info("Set up %s events for organization %s: %s", kind, target.org.id, sub_sid)
        return StreamChange(kind, sink_sid, sub_sid, created, False, tuple(types), store_error)

    # -- remove --------------------------------------------------------------------------

    async def plan_remove(self, org_id: int, kind: StreamKind) -> Plan:
        target = await self._target(org_id)
        return remove_plan(await self._design_remove(target, kind), target.org.name, target.account)

    async def remove(self, org_id: int, kind: StreamKind, confirm: Confirm) -> StreamChange:
        return await self._change(
            org_id, kind, confirm, self._design_remove, remove_plan, self._apply_remove
        )

    async def _design_remove(self, target: _Target, kind: StreamKind) -> RemoveDesign:
        client, own = target.client, target.describe(kind)
        account, record, claims = await asyncio.gather(
            read_account(client),
            asyncio.to_thread(self.streams.get, target.org.id, kind.value),
            self._claims(target.org.id),
        )
        found = locate(kind, record, account, target.events_url, own, claims)
        sub, sink = found.subscription, found.sink
        if sub is None:
            # A sink left by an unfinished set-up or an earlier removal; only one that
            # nothing uses and no other organization recorded.
            sink = leftover_sink(record, found, account, claims)
        if sub is None and sink is None:
            if record is not None:
                await asyncio.to_thread(self.streams.remove, target.org.id, kind.value)
            other = elsewhere(kind, account, own, claims)
            raise NothingToChange(
                f"{kind.label} are not set up for {target.org.name} on this Twilio account: "
                "nothing to remove."
                + (f" {other} Remove leaves that stream alone." if other else "")
            )
        types = len(await read_subscribed_types(client, sub.sid)) if sub else 0
        on_sink = account.on_sink(sink.sid) if sink else []
        users = tuple(s for s in on_sink if sub is None or s.sid != sub.sid)
        claimed = claims.of_sink(sink.sid) if sink else ()
        created = bool(record and sink and record.sink_sid == sink.sid and record.sink_created)
        return RemoveDesign(kind, sub, types, sink, users, claimed, created)

    async def _apply_remove(self, target: _Target, design: RemoveDesign) -> StreamChange:
        client, kind = target.client, design.kind
        sub, sink = design.subscription, design.sink
        sub_gone = False
        if sub is not None:
            sub_gone = not await gone_is_fine(client.events.v1.subscriptions(sub.sid).delete_async)
        sink_deleted = sink_gone = incomplete = False
        warning = None
        keep_record = False
        if sink is not None:
            # Read again right before deciding: another subscription (the other stream kind,
            # another tool, another organization) may have started or stopped using the sink
            # since the plan was shown. Only what the plan showed is ever done.
            users, claims = await asyncio.gather(
                read_subscriptions(client, sink.sid), self._claims(target.org.id)
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
                sink_deleted = await gone_is_fine(client.events.v1.sinks(sink.sid).delete_async)
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
        store_error = None
        try:
            if keep_record and sink is not None:
                await asyncio.to_thread(
                    self.streams.save,
                    target.org.id,
                    kind.value,
                    sink_sid=sink.sid,
                    subscription_sid=None,
                    destination=sink.destination,
                    sink_created=design.sink_created,
                    types=[],
                )
            else:
                await asyncio.to_thread(self.streams.remove, target.org.id, kind.value)
        except Exception as exc:
            log.exception("Removed %s events but could not update the database", kind)
            store_error = str(getattr(exc, "orig", None) or exc)
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

    # -- internals -----------------------------------------------------------------------

    async def _change(
        self,
        org_id: int,
        kind: StreamKind,
        confirm: Confirm,
        design: Callable[[_Target, StreamKind], Awaitable[D]],
        plan_of: Callable[[D, str, str], Plan],
        apply: Callable[[_Target, D], Awaitable[StreamChange]],
    ) -> StreamChange:
        """Decide from the account as it is now, show the plan, apply it: one change per
        organization at a time, so a second one plans from what the first left behind."""
        org = await asyncio.to_thread(self.organizations.get, org_id)
        async with self._locks[(org.twilio_account_sid or f"organization {org_id}").lower()]:
            target = await self._target(org_id)  # as it is now, after waiting our turn
            decided = await design(target, kind)
            plan = plan_of(decided, target.org.name, target.account)

            async def execute() -> StreamChange:
                return await apply(target, decided)

            return await self.plans.run(
                plan,
                confirm,
                execute,
                org_id,
                summarize=StreamChange.summary,
                outcome=StreamChange.grade,
            )

    async def _target(self, org_id: int) -> _Target:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        if not org.byo_twilio:
            raise LoquentError(SHARED_REFUSED)
        url = validation.https_url(org.effective_events_url(self.default_events_url), "events_url")
        client, resolved = await self.access.client_for(org_id)
        return _Target(org, client, resolved.credentials.masked_sid, normalize_destination(url))

    async def _claims(self, org_id: int) -> Claims:
        rows = await asyncio.to_thread(self.streams.claims_besides, org_id)
        return Claims(tuple(Claim(name, record) for name, record in rows))

    async def _store(
        self,
        org_id: int,
        kind: StreamKind,
        sink_sid: str | None,
        subscription_sid: str | None,
        destination: str,
        sink_created: bool,
        types: list[str],
    ) -> str | None:
        """Record the stream; a database failure is returned in words, not raised: the
        account has changed either way, and status finds the subscription again by its
        description."""
        try:
            await asyncio.to_thread(
                self.streams.save,
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


def _created_by_us(record: EventStreamRecord | None, sink: LiveSink | None) -> bool:
    """Whether the sink being reused is one Loquent created earlier (by its record)."""
    return bool(record and sink and record.sink_sid == sink.sid and record.sink_created)
