"""What the Credentials tab says about an organization's connection, in words."""

from __future__ import annotations

import html

from ..domain.records import OrganizationRecord
from ..domain.validation import mask_sid
from .style import Role, span


def streams_warning(streams: list[str]) -> str:
    """For dialogs that take away the organization's own account: event streams set up in it
    keep running on Twilio, and only that account can remove them."""
    if not streams:
        return ""
    which = " and ".join(streams)
    return (
        f"\n\n⚠ {which} still stream from its own Twilio account to Loquent: Twilio keeps "
        "sending them until you remove them on Sync → Event streaming first (removing needs "
        "the organization's own account)."
    )


def switch_question(org: OrganizationRecord) -> str:
    """Before a BYO organization moves to the shared account (plain text)."""
    account = f" ({org.masked_account_sid})" if org.twilio_account_sid else ""
    return (
        f"Switch {org.name} from its own Twilio account{account} to Loquent's shared "
        "account?\n\nFrom now on, numbers bought and other Twilio actions for this "
        "organization use Loquent's shared account, and Loquent is billed for them. Its own "
        "credentials stay in the keychain: switch back to BYO at any time."
    )


def disconnect_question(org: OrganizationRecord) -> str:
    """Before the organization's credentials are deleted from the keychain (plain text)."""
    return (
        f"Delete the Twilio credentials of {org.name} ({org.masked_account_sid}) from this "
        "computer's keychain?\n\nNothing changes on Twilio. Until you connect again, nothing "
        "can be done on Twilio for this organization."
    )


def describe_connection(org: OrganizationRecord) -> tuple[str, bool]:
    """Rich text for the status block and whether the state is healthy."""
    if not org.byo_twilio:
        return (
            "<b>Shared mode.</b> Twilio calls use Loquent's shared account; "
            "Loquent is billed for numbers and usage.",
            True,
        )
    if not org.twilio_account_sid:
        return (
            "<b>Not connected.</b> This organization is set to use its own Twilio account but "
            "has no credentials, so nothing can be done on Twilio for it (Loquent's shared "
            "account is never used instead). Connect below, or switch to Shared.",
            False,
        )
    kind = "API key" if org.credential_kind == "api_key" else "Auth Token"
    rows = [
        ("Account", org.masked_account_sid),
        ("Name", org.account_friendly_name or "(not readable with this API key)"),
        ("Status", org.account_status or "—"),
        ("Type", org.account_type or "—"),
        ("Signed in with", kind + (f" {mask_sid(org.api_key_sid)}" if org.api_key_sid else "")),
    ]
    if org.credentials_verified_at is not None:
        checked = org.credentials_verified_at.astimezone().strftime("%Y-%m-%d %H:%M")
        rows.append(("Checked with Twilio", checked))
    table = "".join(
        f"<tr><td style='padding-right:12px'>{k}</td><td><b>{html.escape(v)}</b></td></tr>"
        for k, v in rows
    )
    active = org.account_status in (None, "active")
    if active:
        head = span(Role.OK, "Connected ✓", bold=True)
    else:
        head = f"<b>Connected, but the account is {html.escape(org.account_status or '')}</b>"
    return f"{head}<table>{table}</table>", active


def list_label(org: OrganizationRecord) -> str:
    """The organization's two lines in the list: its name and the account it runs on."""
    if not org.byo_twilio:
        return f"{org.name}\nShared account"
    if not org.twilio_account_sid:
        return f"{org.name}\nBYO ⚠ not connected"
    return f"{org.name}\nBYO {org.masked_account_sid}"
