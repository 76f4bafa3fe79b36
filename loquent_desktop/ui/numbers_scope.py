"""Whose numbers a Numbers view shows: the organization and the account it resolves to.

A view's data belongs to one scope. Renaming keeps the scope; switching organization, moving
it between BYO and Shared, connecting another Twilio account or changing its Loquent Voice URL
does not, and anything read for the old scope must be dropped (and late results ignored).
"""

from __future__ import annotations

from ..domain.records import OrganizationRecord

Scope = tuple[int, bool, str | None, str | None]


def scope_of(org: OrganizationRecord | None) -> Scope | None:
    if org is None:
        return None
    return (org.id, org.byo_twilio, org.twilio_account_sid, org.voice_url)
