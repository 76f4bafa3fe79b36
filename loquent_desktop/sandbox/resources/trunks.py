"""Elastic SIP Trunking v1 (trunking.twilio.com): Trunks, a trunk's PhoneNumbers, and its
Recording settings.

Trunks belong to the account the credentials act for (v1 URLs carry no AccountSid). Lists use
the v1 envelope (``meta`` with absolute ``next_page_url``); dates are ISO 8601.

A number joins or leaves a trunk only through ``/v1/Trunks/{TK}/PhoneNumbers``, Twilio's
documented way: attaching (POST with ``PhoneNumberSid``) sets the number's ``trunk_sid`` and
clears its ``voice_application_sid``, as Twilio does (a trunk and a TwiML app exclude each
other); detaching (DELETE) clears ``trunk_sid``. Both move the number's ``date_updated``.

Two rules are our choice where Twilio's behaviour is not documented: attaching a number that
is already on this trunk answers 201 and changes nothing, and attaching one that is on another
trunk is refused (stricter than we know Twilio to be, so a client that would move a number
between trunks without detaching it first fails loudly in tests).
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request, not_found
from loquent_desktop.sandbox.formats import is_sid, iso8601, utcnow
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v1_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import IncomingNumber, Trunk

HOST = "trunking.twilio.com"
BASE = f"https://{HOST}/v1"
RECORDING_MODES = (
    "do-not-record",
    "record-from-ringing",
    "record-from-answer",
    "record-from-ringing-dual",
    "record-from-answer-dual",
)
RECORDING_TRIMS = ("trim-silence", "do-not-trim")


# -- JSON ------------------------------------------------------------------------------------


def trunk_json(t: Trunk) -> dict[str, Any]:
    url = f"{BASE}/Trunks/{t.sid}"
    return {
        "account_sid": t.account_sid,
        "domain_name": t.domain_name,
        "disaster_recovery_method": "POST",  # Twilio reports its default, never null
        "disaster_recovery_url": None,
        "friendly_name": t.friendly_name,
        "secure": False,
        "recording": recording_json(t),
        "transfer_mode": "disable-all",
        "transfer_caller_id": "from-transferee",
        "cnam_lookup_enabled": False,
        "auth_type": "",
        "symmetric_rtp_enabled": False,
        "auth_type_set": [],
        "date_created": iso8601(t.date_created),
        "date_updated": iso8601(t.date_updated),
        "sid": t.sid,
        "url": url,
        "links": {
            "origination_urls": f"{url}/OriginationUrls",
            "credential_lists": f"{url}/CredentialLists",
            "ip_access_control_lists": f"{url}/IpAccessControlLists",
            "phone_numbers": f"{url}/PhoneNumbers",
        },
    }


def recording_json(t: Trunk) -> dict[str, Any]:
    return {"mode": t.recording_mode, "trim": t.recording_trim}


def trunk_number_json(trunk_sid: str, n: IncomingNumber) -> dict[str, Any]:
    """A number as the trunk's PhoneNumbers resource shows it: the IncomingPhoneNumber's
    fields, with ISO dates and the trunking URL."""
    return {
        "account_sid": n.account_sid,
        "address_requirements": n.address_requirements,
        "api_version": n.api_version,
        "beta": n.beta,
        "capabilities": dict(n.capabilities),
        "date_created": iso8601(n.date_created),
        "date_updated": iso8601(n.date_updated),
        "friendly_name": n.friendly_name,
        "links": {
            "phone_number": (
                f"https://api.twilio.com/2010-04-01/Accounts/{n.account_sid}"
                f"/IncomingPhoneNumbers/{n.sid}"
            )
        },
        "phone_number": n.phone_number,
        "sid": n.sid,
        "sms_application_sid": n.sms_application_sid,
        "sms_fallback_method": n.sms_fallback_method,
        "sms_fallback_url": n.sms_fallback_url,
        "sms_method": n.sms_method,
        "sms_url": n.sms_url,
        "status_callback": n.status_callback,
        "status_callback_method": n.status_callback_method,
        "trunk_sid": n.trunk_sid,
        "url": f"{BASE}/Trunks/{trunk_sid}/PhoneNumbers/{n.sid}",
        "voice_application_sid": n.voice_application_sid,
        "voice_caller_id_lookup": n.voice_caller_id_lookup,
        "voice_fallback_method": n.voice_fallback_method,
        "voice_fallback_url": n.voice_fallback_url,
        "voice_method": n.voice_method,
        "voice_url": n.voice_url,
    }


# -- lookups ---------------------------------------------------------------------------------


def _trunk(ctx: Ctx, name: str = "TrunkSid") -> Trunk:
    sid = ctx.sid_param(name, "TK")
    trunk = ctx.state.trunks.get(sid)
    if trunk is None or trunk.account_sid != ctx.principal.account_sid:
        raise not_found(ctx.path)
    return trunk


def _attached(ctx: Ctx, trunk: Trunk) -> IncomingNumber:
    """The number named in the path, if it is on this trunk (404 otherwise)."""
    sid = ctx.sid_param("Sid", "PN")
    number = ctx.state.numbers.get(sid)
    if number is None or number.account_sid != trunk.account_sid or number.trunk_sid != trunk.sid:
        raise not_found(ctx.path)
    return number


def _enum(ctx: Ctx, name: str, allowed: tuple[str, ...]) -> str | None:
    if name not in ctx.form:
        return None
    value = ctx.form[name].strip()
    if value not in allowed:
        raise bad_request(errors.INVALID_PARAMETER, f"{name} must be one of {', '.join(allowed)}")
    return value


# -- trunks ----------------------------------------------------------------------------------


def list_trunks(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    rows = [t for t in ctx.state.trunks.values() if t.account_sid == ctx.principal.account_sid]
    rows.sort(key=lambda t: t.seq)
    sl = select_page(rows, req, ctx.state.seq_of)
    body = v1_envelope(HOST, ctx.path, "trunks", req, sl, [trunk_json(t) for t in sl.items])
    return Reply(200, body)


def fetch_trunk(ctx: Ctx) -> Reply:
    return Reply(200, trunk_json(_trunk(ctx, "Sid")))


# -- a trunk's phone numbers -----------------------------------------------------------------


def list_trunk_numbers(ctx: Ctx) -> Reply:
    trunk = _trunk(ctx)
    req = parse_page_request(ctx.query)
    rows = [
        n
        for n in ctx.state.numbers.values()
        if n.trunk_sid == trunk.sid and n.account_sid == trunk.account_sid
    ]
    rows.sort(key=lambda n: n.seq)
    sl = select_page(rows, req, ctx.state.seq_of)
    body = v1_envelope(
        HOST,
        ctx.path,
        "phone_numbers",
        req,
        sl,
        [trunk_number_json(trunk.sid, n) for n in sl.items],
    )
    return Reply(200, body)


def fetch_trunk_number(ctx: Ctx) -> Reply:
    trunk = _trunk(ctx)
    return Reply(200, trunk_number_json(trunk.sid, _attached(ctx, trunk)))


def attach_number(ctx: Ctx) -> Reply:
    trunk = _trunk(ctx)
    sid = ctx.form.get("PhoneNumberSid", "").strip()
    if not sid:
        raise bad_request(errors.INVALID_PARAMETER, "Missing required parameter PhoneNumberSid")
    number = ctx.state.numbers.get(sid) if is_sid(sid, "PN") else None
    if number is None or number.account_sid != trunk.account_sid:
        raise bad_request(errors.INVALID_PARAMETER, f"PhoneNumberSid {sid} was not found")
    if number.trunk_sid == trunk.sid:
        return Reply(201, trunk_number_json(trunk.sid, number))
    if number.trunk_sid:
        raise bad_request(
            errors.INVALID_PARAMETER,
            f"Phone number {sid} is already associated with trunk {number.trunk_sid}",
        )
    number.trunk_sid = trunk.sid
    number.voice_application_sid = None  # a trunk and a TwiML app exclude each other
    number.date_updated = utcnow()
    return Reply(201, trunk_number_json(trunk.sid, number))


def detach_number(ctx: Ctx) -> Reply:
    number = _attached(ctx, _trunk(ctx))
    number.trunk_sid = None
    number.date_updated = utcnow()
    return Reply(204)


# -- recording -------------------------------------------------------------------------------


def fetch_recording(ctx: Ctx) -> Reply:
    return Reply(200, recording_json(_trunk(ctx)))


def update_recording(ctx: Ctx) -> Reply:
    trunk = _trunk(ctx)
    # Both are validated before either changes: a refused update leaves the trunk alone.
    mode = _enum(ctx, "Mode", RECORDING_MODES)
    trim = _enum(ctx, "Trim", RECORDING_TRIMS)
    if mode is not None:
        trunk.recording_mode = mode
    if trim is not None:
        trunk.recording_trim = trim
    trunk.date_updated = utcnow()
    return Reply(200, recording_json(trunk))


_NUMBERS = "/v1/Trunks/{TrunkSid}/PhoneNumbers"
ROUTES = [
    route("/v1/Trunks", get=list_trunks),
    route("/v1/Trunks/{Sid}", get=fetch_trunk),
    route(_NUMBERS, get=list_trunk_numbers, post=attach_number),
    route(f"{_NUMBERS}/{{Sid}}", get=fetch_trunk_number, delete=detach_number),
    route("/v1/Trunks/{TrunkSid}/Recording", get=fetch_recording, post=update_recording),
]
