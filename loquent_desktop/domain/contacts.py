"""Who an organization talked to: which side of a synced message or call is the organization
and which is the other party (the contact)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

OUTBOUND_PREFIX = "outbound"  # outbound-api, -dial, -reply, -call
# Elastic SIP Trunking: calls from the PSTN to the customer's PBX (their number is the
# callee) and from the PBX out to the PSTN (their number is the caller ID).
TRUNK_INBOUND = "trunking-originating"
TRUNK_OUTBOUND = "trunking-terminating"
INBOUND_DIRECTIONS = ("inbound", TRUNK_INBOUND)


def side_of(direction: str | None) -> str | None:
    """The side a record is on as the organization sees it: "inbound", "outbound", or None
    for a direction we do not know (then nobody on the record is taken for a contact)."""
    if direction in INBOUND_DIRECTIONS:
        return "inbound"
    if direction == TRUNK_OUTBOUND or (direction or "").startswith(OUTBOUND_PREFIX):
        return "outbound"
    return None


def parties(
    direction: str | None,
    from_number: str | None,
    to_number: str | None,
    parent_call_sid: str | None = None,
) -> tuple[str | None, str | None]:
    """(ours, theirs): the organization's number on a record and the other party.

    A <Dial> child leg (a call with a parent) has neither: its "to" is wherever the call
    was forwarded (a staff phone, another office) and its "from" often the original
    caller's ID, so it says nothing about who the organization talked to; the parent call
    already names the caller."""
    if parent_call_sid:
        return None, None
    side = side_of(direction)
    if side == "inbound":
        return to_number or None, from_number or None
    if side == "outbound":
        return from_number or None, to_number or None
    return None, None


@dataclass(frozen=True, slots=True)
class ContactSummary:
    """One row of the Contacts view: a contact and what the synced history says about it.

    `last_contact` is the contact's stored last contact time (it only moves forward, see
    `store.repositories.contacts`), or the newest synced record when that is later."""

    phone_number: str
    first_contact: datetime | None
    last_contact: datetime | None
    messages: int
    calls: int
    our_numbers: tuple[str, ...]  # the organization's numbers that talked to it, sorted
