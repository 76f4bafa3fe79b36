"""Monitor v1 Events (monitor.twilio.com): who changed which resource of the account, when,
from where.

Twilio records an event for every change to an account's resources; the emulator records one
for every update or release of an IncomingPhoneNumber (`record_number_change`, called by
`incoming_numbers`), and the seed adds Console ("web") changes made by a user.

Lists are newest first, filtered by ResourceSid, ActorSid, EventType, SourceIpAddress and the
StartDate/EndDate window (ISO 8601, inclusive), in the v1 envelope with absolute
`next_page_url`s on the monitor host.

The spec's `actor_sid` pattern admits only user SIDs (US…), so an API request's actor, the
credential that made it (an Account SID or an API key SID), is named by `links.actor`, the
way Twilio links it; `actor_sid` is then null, as the spec allows when no user acted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request, forbidden, not_found
from loquent_desktop.sandbox.formats import iso8601, new_sid, utcnow
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v1_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import IncomingNumber, SandboxState

HOST = "monitor.twilio.com"
API = "https://api.twilio.com/2010-04-01"

# The number fields a change is reported for (Twilio's snake-case property names).
REPORTED_FIELDS = (
    "friendly_name",
    "voice_url",
    "voice_method",
    "voice_fallback_url",
    "voice_fallback_method",
    "voice_application_sid",
    "trunk_sid",
    "status_callback",
    "status_callback_method",
    "sms_url",
    "sms_method",
    "sms_fallback_url",
    "sms_application_sid",
    "account_sid",
)


@dataclass(slots=True)
class MonitorEvent:
    sid: str
    account_sid: str
    event_type: str  # e.g. phone-number.updated
    resource_sid: str
    resource_type: str  # e.g. phone-number
    event_date: datetime
    source: str  # web (the Console) | api | twilio
    source_ip_address: str | None
    actor_type: str  # user | account | twilio-admin
    actor_sid: str | None  # a user's US… SID; None for API credentials (see links.actor)
    actor_url: str | None
    event_data: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    seq: int = 0


def event_json(event: MonitorEvent) -> dict[str, Any]:
    resource = f"{API}/Accounts/{event.account_sid}/IncomingPhoneNumbers/{event.resource_sid}.json"
    return {
        "account_sid": event.account_sid,
        "actor_sid": event.actor_sid,
        "actor_type": event.actor_type,
        "description": event.description,
        "event_data": event.event_data,
        "event_date": iso8601(event.event_date),
        "event_type": event.event_type,
        "resource_sid": event.resource_sid,
        "resource_type": event.resource_type,
        "sid": event.sid,
        "source": event.source,
        "source_ip_address": event.source_ip_address,
        "url": f"https://{HOST}/v1/Events/{event.sid}",
        "links": {"actor": event.actor_url, "resource": resource},
    }


def record(state: SandboxState, event: MonitorEvent) -> MonitorEvent:
    """Store an event (hold or take ``state.lock``)."""
    with state.lock:
        state.add(state.monitor_events, event)
    return event


def property_changes(
    number: IncomingNumber, updated: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """previous/updated of each reported field `updated` changes (all of them for a release)."""
    out: dict[str, dict[str, Any]] = {}
    for name in REPORTED_FIELDS:
        before = getattr(number, name)
        if updated is None:
            if before not in (None, ""):
                out[name] = {"previous": before, "updated": None}
        elif name in updated and updated[name] != before:
            out[name] = {"previous": before, "updated": updated[name]}
    return out


def record_number_change(
    ctx: Ctx, number: IncomingNumber, updated: dict[str, Any] | None, ip: str = "127.0.0.1"
) -> None:
    """The event Twilio records for an API update (`updated`: attribute -> new value) or
    release (`updated` None) of `number`, by the credentials of this request. Call it
    before the change is applied, so the previous values are still on the number."""
    principal = ctx.principal
    if principal.key_sid:
        actor = f"{API}/Accounts/{principal.account_sid}/Keys/{principal.key_sid}.json"
    else:
        actor = f"{API}/Accounts/{principal.account_sid}.json"
    action = "deleted" if updated is None else "updated"
    record(
        ctx.state,
        MonitorEvent(
            sid=new_sid("AE"),
            account_sid=number.account_sid,
            event_type=f"phone-number.{action}",
            resource_sid=number.sid,
            resource_type="phone-number",
            event_date=utcnow(),
            source="api",
            source_ip_address=ip,
            actor_type="account",
            actor_sid=None,
            actor_url=actor,
            event_data={"resource_properties": property_changes(number, updated)},
            description=f"Phone number {number.phone_number} {action}",
        ),
    )


def console_change(
    state: SandboxState,
    number: IncomingNumber,
    user_sid: str,
    ip: str,
    when: datetime,
    **changes: Any,
) -> MonitorEvent:
    """Someone logged in to the Twilio Console changes `number` (attribute=value): the
    number changes and Twilio records who did it (source web, actor the user)."""
    with state.lock:
        event = MonitorEvent(
            sid=new_sid("AE"),
            account_sid=number.account_sid,
            event_type="phone-number.updated",
            resource_sid=number.sid,
            resource_type="phone-number",
            event_date=when,
            source="web",
            source_ip_address=ip,
            actor_type="user",
            actor_sid=user_sid,
            actor_url=None,
            event_data={"resource_properties": property_changes(number, changes)},
            description=f"Phone number {number.phone_number} updated",
        )
        for name, value in changes.items():
            setattr(number, name, value)
        number.date_updated = when
        return record(state, event)


# -- handlers --------------------------------------------------------------------------------


def _require_monitor_access(ctx: Ctx) -> None:
    # A restricted API key has only the permissions it was given; the sandbox's have none
    # for Monitor, which Twilio refuses with 403.
    if ctx.principal.key_kind == "restricted":
        raise forbidden("Forbidden: this API key may not read Monitor events")


def _date(ctx: Ctx, name: str) -> datetime | None:
    text = ctx.query.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(errors.INVALID_PARAMETER, f"{name} is not an ISO 8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _order(event: MonitorEvent) -> int:
    """Ascending along the list (newest first): later events get smaller keys."""
    return -(int(event.event_date.timestamp()) * 10**9 + event.seq)


def list_events(ctx: Ctx) -> Reply:
    _require_monitor_access(ctx)
    req = parse_page_request(ctx.query)
    q = ctx.query
    start, end = _date(ctx, "StartDate"), _date(ctx, "EndDate")
    family = set(ctx.state.account_family(ctx.principal.account_sid))
    wanted = {
        "resource_sid": q.get("ResourceSid"),
        "actor_sid": q.get("ActorSid"),
        "event_type": q.get("EventType"),
        "source_ip_address": q.get("SourceIpAddress"),
    }
    rows = [
        e
        for e in ctx.state.monitor_events.values()
        if e.account_sid in family
        and all(v is None or getattr(e, k) == v for k, v in wanted.items())
        and (start is None or e.event_date >= start)
        and (end is None or e.event_date <= end)
    ]
    # Newest first. Page tokens name an event by its place in that order, which must not
    # move when events are added between pages: a key from its date and seq, not its index.
    rows.sort(key=_order)
    keys = {e.sid: _order(e) for e in ctx.state.monitor_events.values()}
    sl = select_page(rows, req, keys, seq=_order)
    body = v1_envelope(HOST, ctx.path, "events", req, sl, [event_json(e) for e in sl.items])
    return Reply(200, body)


def fetch_event(ctx: Ctx) -> Reply:
    _require_monitor_access(ctx)
    sid = ctx.sid_param("Sid", "AE")
    event = ctx.state.monitor_events.get(sid)
    family = ctx.state.account_family(ctx.principal.account_sid)
    if event is None or event.account_sid not in family:
        raise not_found(ctx.path)
    return Reply(200, event_json(event))


ROUTES = [
    route("/v1/Events", get=list_events),
    route("/v1/Events/{Sid}", get=fetch_event),
]
