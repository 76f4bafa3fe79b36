"""Demo event data: what another platform already set up in the customer's account, and a
change someone made in the Twilio Console.

The demo account's CRM streams message events to its own webhook. Loquent must leave that
sink and subscription alone (never reuse, change or delete them), so the seed gives the tests
something real to prove it with. And a user of the customer's team re-pointed one number at
the PBX in the Console: Twilio's Monitor Events record who did it, from where, which the
Voice routing tab shows as "Changes on Twilio".
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from loquent_desktop.sandbox.formats import new_sid
from loquent_desktop.sandbox.resources.monitor_events import console_change
from loquent_desktop.sandbox.state import SandboxState, Sink, Subscription

CRM_EVENTS_URL = "https://crm.example.com/twilio/events"
CRM_SINK_DESCRIPTION = "CRM activity feed"
CRM_SUBSCRIPTION_DESCRIPTION = "CRM message log"
_CREATED = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
# The Console change: a user of the customer's team, from their office (a documentation
# address, RFC 5737), moved a number from the CRM's IVR to the PBX.
CONSOLE_IP = "203.0.113.7"
CONSOLE_OLD_URL = "https://crm.example.com/voice/ivr"
CONSOLE_NEW_URL = "https://pbx.example.net/twilio/incoming?line=console"


def seed_events(state: SandboxState, rng: random.Random, account_sid: str) -> None:
    """One webhook sink of another platform with one subscription to two messaging types."""
    with state.lock:
        sink = Sink(
            new_sid("DG", rng),
            account_sid,
            CRM_SINK_DESCRIPTION,
            "webhook",
            {"destination": CRM_EVENTS_URL, "method": "POST", "batch_events": True},
            _CREATED,
            _CREATED,
        )
        state.add(state.sinks, sink)
        types = {
            "com.twilio.messaging.inbound-message.received": 1,
            "com.twilio.messaging.message.delivered": 3,
        }
        subscription = Subscription(
            new_sid("DF", rng),
            account_sid,
            sink.sid,
            CRM_SUBSCRIPTION_DESCRIPTION,
            types,
            _CREATED,
            _CREATED,
        )
        state.add(state.subscriptions, subscription)
        _seed_console_change(state, rng, account_sid)


def _seed_console_change(state: SandboxState, rng: random.Random, account_sid: str) -> None:
    """The account's first number answered by a Voice URL (no trunk or TwiML app in front)
    was re-pointed in the Console: its URL is the new one, and Monitor has the event."""
    number = next(
        (
            n
            for n in state.numbers.values()
            if n.account_sid == account_sid
            and n.voice_url
            and not (n.trunk_sid or n.voice_application_sid)
        ),
        None,
    )
    if number is None:
        return  # a tiny seed without such a number
    number.voice_url = CONSOLE_OLD_URL
    console_change(
        state, number, new_sid("US", rng), CONSOLE_IP, number.date_updated,
        voice_url=CONSOLE_NEW_URL,
    )  # fmt: skip
