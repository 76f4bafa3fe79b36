"""IncomingPhoneNumbers: the numbers an account owns (list, fetch, buy, update, release).

Buying follows Twilio's rules: only numbers currently for sale can be bought (21422), an
``AreaCode`` buys the first free local number there (21452 if none), and numbers whose
``address_requirements`` is not ``none`` need an ``AddressSid`` of a suitable address
(21631 / 21615 / 21650). Every field is validated before anything changes, so a rejected
purchase leaves both the inventory and the account untouched.

Updates: an empty string clears a field (URLs and SIDs become null, methods fall back to
POST); setting ``TrunkSid`` clears ``voice_application_sid`` and vice versa, as Twilio does;
every update moves ``date_updated``. Fields not sent are left alone.
"""

from __future__ import annotations

from typing import Any

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request, not_found
from loquent_desktop.sandbox.formats import (
    is_sid,
    new_sid,
    number_pattern,
    parse_bool,
    rfc2822,
    utcnow,
)
from loquent_desktop.sandbox.inventory import INCOMING_TYPE, AvailableNumber, friendly_name
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v2010_envelope
from loquent_desktop.sandbox.resources.monitor_events import record_number_change
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import IncomingNumber

_URL_FIELDS = {
    "VoiceUrl": "voice_url",
    "VoiceFallbackUrl": "voice_fallback_url",
    "StatusCallback": "status_callback",
    "SmsUrl": "sms_url",
    "SmsFallbackUrl": "sms_fallback_url",
}
_METHOD_FIELDS = {
    "VoiceMethod": "voice_method",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallbackMethod": "status_callback_method",
    "SmsMethod": "sms_method",
    "SmsFallbackMethod": "sms_fallback_method",
}
_SID_FIELDS = {  # form name -> (attribute, SID prefix)
    "VoiceApplicationSid": ("voice_application_sid", "AP"),
    "SmsApplicationSid": ("sms_application_sid", "AP"),
    "TrunkSid": ("trunk_sid", "TK"),
    "AddressSid": ("address_sid", "AD"),
    "EmergencyAddressSid": ("emergency_address_sid", "AD"),
    "IdentitySid": ("identity_sid", "RI"),
    "BundleSid": ("bundle_sid", "BU"),
}
_ENUM_FIELDS = {
    "EmergencyStatus": ("emergency_status", ("Active", "Inactive")),
    "VoiceReceiveMode": ("voice_receive_mode", ("voice", "fax")),
}
_TEXT_FIELDS = {"FriendlyName": "friendly_name", "ApiVersion": "api_version"}
# URL segment of the typed sub-lists -> internal inventory type.
_TYPED = {"Local": "local", "Mobile": "mobile", "TollFree": "toll_free"}


def number_json(n: IncomingNumber) -> dict[str, Any]:
    return {
        "account_sid": n.account_sid,
        "address_sid": n.address_sid,
        "address_requirements": n.address_requirements,
        "api_version": n.api_version,
        "beta": n.beta,
        "capabilities": dict(n.capabilities),
        "date_created": rfc2822(n.date_created),
        "date_updated": rfc2822(n.date_updated),
        "friendly_name": n.friendly_name,
        "identity_sid": n.identity_sid,
        "phone_number": n.phone_number,
        "origin": n.origin,
        "sid": n.sid,
        "sms_application_sid": n.sms_application_sid,
        "sms_fallback_method": n.sms_fallback_method,
        "sms_fallback_url": n.sms_fallback_url,
        "sms_method": n.sms_method,
        "sms_url": n.sms_url,
        "status_callback": n.status_callback,
        "status_callback_method": n.status_callback_method,
        "trunk_sid": n.trunk_sid,
        "uri": f"/2010-04-01/Accounts/{n.account_sid}/IncomingPhoneNumbers/{n.sid}.json",
        "voice_receive_mode": n.voice_receive_mode,
        "voice_application_sid": n.voice_application_sid,
        "voice_caller_id_lookup": n.voice_caller_id_lookup,
        "voice_fallback_method": n.voice_fallback_method,
        "voice_fallback_url": n.voice_fallback_url,
        "voice_method": n.voice_method,
        "voice_url": n.voice_url,
        "emergency_status": n.emergency_status,
        "emergency_address_sid": n.emergency_address_sid,
        "emergency_address_status": n.emergency_address_status,
        "bundle_sid": n.bundle_sid,
        "status": "in-use",
        "type": n.number_type,
    }


# -- field parsing ---------------------------------------------------------------------------


def _parse_fields(ctx: Ctx, account_sid: str) -> dict[str, Any]:
    """Validate every settable field in the form; return attribute -> new value."""
    out: dict[str, Any] = {}
    form = ctx.form
    for name, attr in _URL_FIELDS.items():
        if name in form:
            value = form[name].strip()
            if value and not value.lower().startswith(("http://", "https://")):
                raise bad_request(errors.INVALID_PARAMETER, f"{name} is not a valid URL: {value}")
            out[attr] = value or None  # cleared reads back like never set: null
    for name, attr in _METHOD_FIELDS.items():
        if name in form:
            value = form[name].strip().upper() or "POST"  # cleared -> Twilio's default
            if value not in ("GET", "POST"):
                raise bad_request(errors.INVALID_PARAMETER, f"{name} must be GET or POST")
            out[attr] = value
    for name, (attr, prefix) in _SID_FIELDS.items():
        if name in form:
            value = form[name].strip()
            if value and not is_sid(value, prefix):
                raise bad_request(errors.INVALID_PARAMETER, f"{name} {value} is not valid")
            if value and not _owned_by(ctx, prefix, value, account_sid):
                raise bad_request(errors.INVALID_PARAMETER, f"{name} {value} was not found")
            out[attr] = value or None
    for name, (attr, allowed) in _ENUM_FIELDS.items():
        if name in form:
            value = form[name].strip()
            if value not in allowed:
                raise bad_request(errors.INVALID_PARAMETER, f"{name} must be one of {allowed}")
            out[attr] = value
    for name, attr in _TEXT_FIELDS.items():
        if name in form:
            out[attr] = form[name]
    if "VoiceCallerIdLookup" in form:
        out["voice_caller_id_lookup"] = bool(parse_bool(form["VoiceCallerIdLookup"]))
    # A trunk and a voice application exclude each other; the one being set wins.
    if out.get("trunk_sid"):
        out["voice_application_sid"] = None
    elif out.get("voice_application_sid"):
        out["trunk_sid"] = None
    return out


def _owned_by(ctx: Ctx, prefix: str, sid: str, account_sid: str) -> bool:
    tables: dict[str, dict[str, Any]] = {
        "AP": ctx.state.applications,
        "TK": ctx.state.trunks,
        "AD": ctx.state.addresses,
    }
    table = tables.get(prefix)
    if table is None:
        return True  # identities and bundles are not modelled; accept any well-formed SID
    record = table.get(sid)
    return record is not None and record.account_sid == account_sid


# -- handlers --------------------------------------------------------------------------------


def _typed(ctx: Ctx) -> str | None:
    segment = ctx.path.rsplit("/", 1)[-1].removesuffix(".json")
    return _TYPED.get(segment)


def list_numbers(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    account_sid = ctx.params["AccountSid"]
    q = ctx.query
    pattern = number_pattern(q["PhoneNumber"]) if q.get("PhoneNumber") else None
    if q.get("PhoneNumber") and pattern is None:
        rows: list[IncomingNumber] = []
    else:
        name = q.get("FriendlyName")
        beta = parse_bool(q.get("Beta"))
        origin = q.get("Origin")
        wanted_type = INCOMING_TYPE.get(_typed(ctx) or "")
        rows = [
            n
            for n in ctx.state.numbers.values()
            if n.account_sid == account_sid
            and (pattern is None or pattern.search(n.phone_number[1:]))
            and (name is None or n.friendly_name == name)
            and not (beta is False and n.beta)
            and (origin is None or n.origin == origin)
            and (wanted_type is None or n.number_type == wanted_type)
        ]
    sl = select_page(rows, req, ctx.state.seq_of)
    body = v2010_envelope(
        ctx.path, "incoming_phone_numbers", req, sl, [number_json(n) for n in sl.items]
    )
    return Reply(200, body)


def _pick_number(ctx: Ctx, wanted_type: str | None) -> AvailableNumber:
    inventory = ctx.state.inventory
    raw = ctx.form.get("PhoneNumber", "").strip()
    area_code = ctx.form.get("AreaCode", "").strip()
    if raw:
        e164 = "+" + "".join(ch for ch in raw if ch.isdigit())
        found = inventory.get(e164)
        if found is None or (wanted_type and found.number_type != wanted_type):
            raise bad_request(
                errors.PHONE_NUMBER_NOT_AVAILABLE, f"PhoneNumber {raw} is not available"
            )
        return found
    if area_code:
        for num in inventory.numbers.values():
            if (
                num.phone_number.startswith("+1" + area_code)
                and num.number_type == (wanted_type or "local")
                and num.region.address_requirements == "none"
            ):
                return num
        raise bad_request(
            errors.NO_NUMBERS_IN_AREA_CODE, f"No phone numbers found in area code {area_code}"
        )
    # Twilio answers a purchase without either parameter with a 21421-style complaint.
    raise bad_request(errors.PHONE_NUMBER_INVALID, "A 'PhoneNumber' or 'AreaCode' is required.")


def _check_address(ctx: Ctx, num: AvailableNumber, address_sid: str | None) -> None:
    need = num.region.address_requirements
    if need == "none":
        return
    address = ctx.state.addresses.get(address_sid) if address_sid else None
    if address is None:
        raise bad_request(errors.REQUIRES_ADDRESS, "Phone Number Requires an Address")
    if need == "local" and address.iso_country != num.iso_country:
        raise bad_request(errors.REQUIRES_LOCAL_ADDRESS, "Phone Number Requires a Local Address")
    if need == "foreign" and address.iso_country == num.iso_country:
        raise bad_request(
            errors.REQUIRES_FOREIGN_ADDRESS, "Phone Number Requires a Foreign Address"
        )


def create_number(ctx: Ctx) -> Reply:
    account_sid = ctx.params["AccountSid"]
    wanted_type = _typed(ctx)
    fields = _parse_fields(ctx, account_sid)
    num = _pick_number(ctx, wanted_type)
    _check_address(ctx, num, fields.get("address_sid"))
    ctx.state.inventory.take(num.phone_number)
    now = utcnow()
    record = IncomingNumber(
        sid=new_sid("PN"),
        account_sid=account_sid,
        phone_number=num.phone_number,
        friendly_name=friendly_name(num.phone_number),
        iso_country=num.iso_country,
        number_type=INCOMING_TYPE[num.number_type],
        date_created=now,
        date_updated=now,
        capabilities=dict(num.capabilities),
        address_requirements=num.region.address_requirements,
        beta=num.beta,
    )
    for attr, value in fields.items():
        setattr(record, attr, value)
    ctx.state.add_number(record)
    return Reply(201, number_json(record))


def _owned(ctx: Ctx) -> IncomingNumber:
    sid = ctx.sid_param("Sid", "PN")
    number = ctx.state.numbers.get(sid)
    if number is None or number.account_sid != ctx.params["AccountSid"]:
        raise not_found(ctx.path)
    return number


def fetch_number(ctx: Ctx) -> Reply:
    return Reply(200, number_json(_owned(ctx)))


def update_number(ctx: Ctx) -> Reply:
    number = _owned(ctx)
    fields = _parse_fields(ctx, number.account_sid)
    if "AccountSid" in ctx.form:
        # Moving a number between an account and its subaccounts; the server already
        # checked the credentials reach the URL's account, check the target too.
        target = ctx.form["AccountSid"].strip()
        if target not in ctx.state.account_family(ctx.principal.account_sid):
            raise bad_request(errors.INVALID_PARAMETER, f"AccountSid {target} is not valid")
        fields["account_sid"] = target
    record_number_change(ctx, number, fields)  # Twilio's Monitor event: who changed what
    for attr, value in fields.items():
        setattr(number, attr, value)
    number.date_updated = utcnow()
    return Reply(200, number_json(number))


def delete_number(ctx: Ctx) -> Reply:
    number = _owned(ctx)
    record_number_change(ctx, number, None)  # Twilio's Monitor event: who released it
    del ctx.state.numbers[number.sid]
    return Reply(204)


_BASE = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers"
ROUTES = [
    route(f"{_BASE}.json", get=list_numbers, post=create_number),
    *(route(f"{_BASE}/{segment}.json", get=list_numbers, post=create_number) for segment in _TYPED),
    route(f"{_BASE}/{{Sid}}.json", get=fetch_number, post=update_number, delete=delete_number),
]
