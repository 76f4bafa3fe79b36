"""Message and call records as Twilio keeps them, and new traffic at run time.

The seeded demo history and tests that simulate traffic arriving between two sync runs
(``add_message`` / ``add_call``) build their records here, so segment counts, prices and
error codes follow one set of rules. Prices are negative strings in USD, as Twilio bills
them; failed messages and unanswered calls cost nothing (``price`` null).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from loquent_desktop.sandbox.formats import new_sid, utcnow
from loquent_desktop.sandbox.state import Call, Message, SandboxState

# Delivery errors Twilio reports on failed/undelivered messages (code, error_message).
MESSAGE_ERRORS: dict[str, tuple[tuple[int, str], ...]] = {
    "undelivered": (
        (30003, "Unreachable destination handset"),
        (30005, "Unknown destination handset"),
        (30006, "Landline or unreachable carrier"),
        (30007, "Message filtered"),
    ),
    "failed": (
        (21610, "Attempt to send to unsubscribed recipient"),
        (30008, "Unknown error"),
        (21211, "Invalid 'To' Phone Number"),
    ),
}
_SMS_PER_SEGMENT = 0.0079
_MMS_PER_MESSAGE = 0.0200
_CALL_PER_MINUTE = {
    "inbound": 0.0085,
    "outbound-api": 0.0140,
    "outbound-dial": 0.0140,
    "trunking-originating": 0.0034,  # Elastic SIP Trunking: origination
    "trunking-terminating": 0.0045,  # and termination (US)
}


def segments(body: str) -> int:
    # GSM-7: 160 characters fit one SMS; longer bodies are split into 153-character parts.
    return 1 if len(body) <= 160 else math.ceil(len(body) / 153)


def _usd(amount: float) -> str:
    return f"-{amount:.5f}"


def new_message(
    account_sid: str, from_: str, to: str, body: str, sent: datetime, *,
    direction: str = "inbound", status: str | None = None, media: int = 0,
    messaging_service_sid: str | None = None, rng: random.Random | None = None,
) -> Message:  # fmt: skip
    """A message record (not stored). ``status`` defaults to received/delivered."""
    status = status or ("received" if direction == "inbound" else "delivered")
    count = segments(body)
    message = Message(
        new_sid("MM" if media else "SM", rng), account_sid, from_, to, body, status, direction,
        sent, num_segments=count, num_media=media, messaging_service_sid=messaging_service_sid,
    )  # fmt: skip
    # Queued created a few seconds before it went out; the last status change came later.
    message.date_created = sent - timedelta(seconds=1 if direction == "inbound" else 2)
    message.date_updated = sent + timedelta(seconds=0 if direction == "inbound" else 4)
    errors = MESSAGE_ERRORS.get(status)
    if errors:
        message.error_code, message.error_message = errors[rng.randrange(len(errors)) if rng else 0]
    if status != "failed":
        message.price = _usd(_MMS_PER_MESSAGE if media else _SMS_PER_SEGMENT * count)
    return message


def new_call(
    account_sid: str, from_: str, to: str, start: datetime, *, direction: str = "inbound",
    status: str = "completed", duration: int = 60, ringing: int = 20,
    parent_call_sid: str | None = None, rng: random.Random | None = None,
) -> Call:  # fmt: skip
    """A finished call record (not stored); ``duration`` counts only for completed calls.

    Unanswered calls ring for ``ringing`` seconds and last 0; failed ones end at once.
    """
    answered = status == "completed"
    seconds = duration if answered else 0
    length = seconds if answered else (0 if status == "failed" else ringing)
    call = Call(
        new_sid("CA", rng), account_sid, from_, to, status, direction, start,
        start + timedelta(seconds=length), seconds, parent_call_sid=parent_call_sid,
    )  # fmt: skip
    call.date_created = start - timedelta(seconds=1)
    if answered:
        minutes = max(1, math.ceil(seconds / 60))
        call.price = _usd(_CALL_PER_MINUTE.get(direction, 0.014) * minutes)
    return call


def add_message(
    state: SandboxState, account_sid: str, from_: str, to: str, body: str = "New message",
    *, direction: str = "inbound", status: str | None = None, sent: datetime | None = None,
    media: int = 0,
) -> Message:  # fmt: skip
    """Store a new message (sent now unless ``sent`` is given), as if it just happened."""
    message = new_message(account_sid, from_, to, body, sent or utcnow(), direction=direction,
                          status=status, media=media)  # fmt: skip
    state.add(state.messages, message)
    return message


def add_call(
    state: SandboxState, account_sid: str, from_: str, to: str, *, direction: str = "inbound",
    status: str = "completed", start: datetime | None = None, duration: int = 60,
    parent_call_sid: str | None = None,
) -> Call:  # fmt: skip
    """Store a new finished call (started ``duration`` seconds ago unless ``start`` is given)."""
    begin = start or utcnow() - timedelta(seconds=duration)
    call = new_call(account_sid, from_, to, begin, direction=direction, status=status,
                    duration=duration, parent_call_sid=parent_call_sid)  # fmt: skip
    state.add(state.calls, call)
    return call
