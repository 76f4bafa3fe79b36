"""The Account resource: ``/2010-04-01/Accounts.json`` and ``/Accounts/{Sid}.json``.

The JSON carries the account's ``auth_token``, as Twilio's does; that is why clients must
never store or log a raw Account payload.
"""

from __future__ import annotations

import secrets
from typing import Any

from loquent_desktop.sandbox.errors import INVALID_PARAMETER, bad_request, not_found
from loquent_desktop.sandbox.formats import new_sid, rfc2822, utcnow
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v2010_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply, route
from loquent_desktop.sandbox.state import Account

_SUBRESOURCES = {
    "available_phone_numbers": "AvailablePhoneNumbers",
    "calls": "Calls",
    "conferences": "Conferences",
    "incoming_phone_numbers": "IncomingPhoneNumbers",
    "notifications": "Notifications",
    "outgoing_caller_ids": "OutgoingCallerIds",
    "recordings": "Recordings",
    "transcriptions": "Transcriptions",
    "addresses": "Addresses",
    "signing_keys": "SigningKeys",
    "connect_apps": "ConnectApps",
    "sip": "SIP",
    "authorized_connect_apps": "AuthorizedConnectApps",
    "usage": "Usage",
    "keys": "Keys",
    "applications": "Applications",
    "short_codes": "SMS/ShortCodes",
    "queues": "Queues",
    "messages": "Messages",
    "balance": "Balance",
}
STATUSES = ("active", "suspended", "closed")


def account_json(a: Account) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{a.sid}"
    return {
        "auth_token": a.auth_token,
        "date_created": rfc2822(a.date_created),
        "date_updated": rfc2822(a.date_updated),
        "friendly_name": a.friendly_name,
        "owner_account_sid": a.owner_account_sid,
        "sid": a.sid,
        "status": a.status,
        "subresource_uris": {k: f"{base}/{v}.json" for k, v in _SUBRESOURCES.items()},
        "type": a.type,
        "uri": f"{base}.json",
    }


def list_accounts(ctx: Ctx) -> Reply:
    req = parse_page_request(ctx.query)
    name = ctx.query.get("FriendlyName")
    status = ctx.query.get("Status")
    family = set(ctx.state.account_family(ctx.principal.account_sid))
    rows = [
        a
        for a in ctx.state.accounts.values()
        if a.sid in family
        and (name is None or a.friendly_name == name)
        and (status is None or a.status == status)
    ]
    sl = select_page(rows, req, ctx.state.seq_of)
    body = v2010_envelope(ctx.path, "accounts", req, sl, [account_json(a) for a in sl.items])
    return Reply(200, body)


def create_subaccount(ctx: Ctx) -> Reply:
    now = utcnow()
    parent = ctx.state.accounts[ctx.principal.account_sid]
    name = ctx.form.get("FriendlyName") or f"SubAccount Created at {now:%Y-%m-%d %I:%M %p}"
    sub = Account(
        new_sid("AC"), secrets.token_hex(16), name, parent.owner_account_sid, now, now, type="Full"
    )
    ctx.state.add_account(sub)
    return Reply(201, account_json(sub))


def _account(ctx: Ctx) -> Account:
    account = ctx.state.accounts.get(ctx.sid_param("Sid", "AC"))
    if account is None:
        raise not_found(ctx.path)
    return account


def fetch_account(ctx: Ctx) -> Reply:
    return Reply(200, account_json(_account(ctx)))


def update_account(ctx: Ctx) -> Reply:
    account = _account(ctx)
    status = ctx.form.get("Status")
    if status is not None and status not in STATUSES:
        raise bad_request(INVALID_PARAMETER, f"Status must be one of {', '.join(STATUSES)}")
    if "FriendlyName" in ctx.form:
        account.friendly_name = ctx.form["FriendlyName"]
    if status is not None:
        account.status = status
    account.date_updated = utcnow()
    return Reply(200, account_json(account))


ROUTES = [
    route("/2010-04-01/Accounts.json", accounts_resource=True, get=list_accounts,
          post=create_subaccount),
    route("/2010-04-01/Accounts/{Sid}.json", accounts_resource=True, account_param="Sid",
          get=fetch_account, post=update_account),
]  # fmt: skip
