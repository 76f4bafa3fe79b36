"""The plans for renaming and releasing an owned number: pure builders, no I/O.

Renaming changes a label only. Releasing is irreversible: Twilio takes the number off the
account at once, its calls and messages stop, its monthly fee stops, and it goes back to
Twilio's pool (or the carrier) where anyone may buy it. So the release plan lists every route
and Loquent record it ends, asks for the number to be typed, and its `details` keep the
whole configuration the number had (the journal is then the only place that remembers it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..domain.errors import InvalidInput, LoquentError
from ..domain.numbers import OwnedNumber
from ..domain.plans import Change, Plan
from ..domain.records import PhoneNumberRecord
from ..domain.validation import format_phone, mask_sid
from ..domain.voice_route import RouteKind, mask_url_password, sms_route_text

RENAME = "number.rename"
RELEASE = "number.release"
# Twilio's limit for an IncomingPhoneNumber's FriendlyName.
FRIENDLY_NAME_MAX = 64
_URL_FIELDS = ("voice_url", "voice_fallback_url", "status_callback", "sms_url")


@dataclass(frozen=True)
class ReleaseContext:
    """What Loquent knows about the number besides Twilio's record of it."""

    record: PhoneNumberRecord | None  # the imported (or purchased) number row, if any
    loquent_url: str  # the organization's Loquent Voice URL
    event_streams: tuple[str, ...] = ()  # kinds of event streams the organization has
    billed_party: str = "the account"


def check_friendly_name(name: str) -> str:
    """The name as it will be sent (trimmed); InvalidInput when Twilio would refuse it."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("friendly_name", "Type a friendly name (up to 64 characters).")
    if len(cleaned) > FRIENDLY_NAME_MAX:
        raise InvalidInput(
            "friendly_name",
            f"A friendly name holds at most {FRIENDLY_NAME_MAX} characters ({len(cleaned)} typed).",
        )
    if any(not ch.isprintable() for ch in cleaned):
        raise InvalidInput("friendly_name", "A friendly name cannot hold control characters.")
    return cleaned


def rename_plan(organization: str, account: str, number: OwnedNumber, new_name: str) -> Plan:
    """Before → after of the number's friendly name. Raises when nothing would change."""
    name = check_friendly_name(new_name)
    if name == (number.friendly_name or ""):
        raise LoquentError(f"{format_phone(number.phone_number)} is already named “{name}”.")
    return Plan(
        action=RENAME,
        title=f"Rename {format_phone(number.phone_number)}",
        organization=organization,
        account=account,
        changes=(Change(_resource(number), "Friendly name", number.friendly_name or "", name),),
        cost="No charge.",
        affected=(
            "Nobody's calls or messages: the friendly name is a label. The Twilio Console, "
            "and any platform that shows the number's name through Twilio's API, show the "
            "new one.",
        ),
        details={
            "number_sid": number.sid,
            "phone_number": number.phone_number,
            "before": number.friendly_name,
            "after": name,
        },
    )


def release_plan(
    organization: str, account: str, number: OwnedNumber, context: ReleaseContext
) -> Plan:
    """What releasing `number` ends, and the configuration it had (in `details`)."""
    shown = format_phone(number.phone_number)
    resource = _resource(number)
    route = number.voice_route(context.loquent_url)
    sms = sms_route_text(number.sms_application_sid, number.sms_url)
    changes = (
        Change(resource, "Ownership", "Owned by this account", "Released: no longer owned"),
        Change(resource, "Who answers calls", route.describe(), "Nobody: the number is gone"),
        Change(resource, "SMS goes to", sms, "Nobody: the number is gone"),
    )
    warnings = (
        f"Irreversible. {shown} stops receiving calls and messages as soon as it is released.",
        "It may not be possible to buy it back: a released number returns to Twilio "
        "(or the carrier), and anyone may buy it or it may be retired.",
    )
    return Plan(
        action=RELEASE,
        title=f"Release {shown}",
        organization=organization,
        account=account,
        changes=changes,
        cost=f"Twilio stops billing {context.billed_party} ({account}) this number's monthly "
        "fee. Fees already billed are not refunded.",
        affected=_affected(number, context, route.kind, route.describe(), sms),
        warnings=warnings,
        notes=(
            *_kept(context),
            "The journal keeps the number's whole configuration (routing, SMS, capabilities "
            "and the saved configuration), for reference: it cannot bring the number back.",
        ),
        # Shown as people read it; spaces and dashes are optional when typing it.
        type_to_confirm=shown,
        details={
            "number_sid": number.sid,
            "phone_number": number.phone_number,
            "configuration": journal_number(number),
            "loquent_record": _record_details(context.record),
        },
    )


def _resource(number: OwnedNumber) -> str:
    return f"Phone number {format_phone(number.phone_number)} ({mask_sid(number.sid)})"


def _affected(
    number: OwnedNumber, context: ReleaseContext, kind: RouteKind, route: str, sms: str
) -> tuple[str, ...]:
    out: list[str] = []
    if kind is RouteKind.TRUNK:
        out.append(f"Calls to it through {route} stop; the trunk keeps its other numbers.")
    elif kind is RouteKind.APP:
        out.append(f"{route} no longer receives its calls (the app itself stays).")
    elif kind is RouteKind.URL:
        out.append(f"Inbound calls stop reaching {route}.")
    elif kind is RouteKind.LOQUENT:
        out.append("Loquent stops receiving its calls.")
    if number.sms_application_sid or number.sms_url:
        out.append(f"Inbound messages stop reaching {sms}.")
    record = context.record
    if record is not None:
        saved = (
            " and its saved configuration (what Restore would write back)"
            if record.snapshot_taken_at is not None
            else ""
        )
        out.append(
            f"Loquent's database: the {record.source} number{saved} is removed from this "
            "organization's numbers; its configuration stays in the journal."
        )
    if context.event_streams:
        kinds = " and ".join(context.event_streams)
        out.append(
            f"This organization's {kinds} event streams stay for the account's other numbers; "
            "no more events come from this one."
        )
    return tuple(out) or ("Nobody else: no route or Loquent record uses this number.",)


def _kept(context: ReleaseContext) -> tuple[str, ...]:
    if context.record is None and not context.event_streams:
        return ()
    return ("Messages and calls already synced stay in Loquent's history.",)


def configuration_text(number: OwnedNumber) -> str:
    """The number's routing in one line, for the journal's reader (URL passwords masked)."""
    parts = [
        f"{label} {shown}"
        for label, value in (
            ("SIP trunk", number.trunk_sid),
            ("TwiML app", number.voice_application_sid),
            ("Voice URL", number.voice_url),
            ("fallback URL", number.voice_fallback_url),
            ("status callback", number.status_callback),
            ("SMS app", number.sms_application_sid),
            ("SMS URL", number.sms_url),
        )
        if value and (shown := mask_url_password(value))
    ]
    name = f"“{number.friendly_name}”" if number.friendly_name else "no friendly name"
    return "; ".join([name, *parts, f"capabilities {number.capabilities_text}"])


def _masked(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if name.removeprefix("previous_") in _URL_FIELDS and isinstance(value, str):
        return mask_url_password(value)  # as the journal keeps URLs elsewhere
    return value


def journal_number(number: OwnedNumber) -> dict[str, Any]:
    """Twilio's record of the number, as the journal keeps it (JSON-safe)."""
    return {name: _masked(name, value) for name, value in number.to_store_dict().items()}


def _record_details(record: PhoneNumberRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    data = asdict(record)
    data.pop("id", None)
    data.pop("organization_id", None)
    return {name: _masked(name, value) for name, value in data.items()}
