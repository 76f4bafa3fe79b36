"""What this app can and cannot do to a Twilio account, in the app's own words.

One table, shown where BYO credentials are entered and in Help (`ui/capabilities_dialog.py`);
each row names the tab (and page) where the action happens, so the dialog can take the user
there. It follows the engineering guide's table of actions; keep both true when an action
is added. Every row that changes the account goes through a plan that you confirm first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    action: str
    changes_account: bool  # False: read-only on Twilio (or nothing reaches Twilio at all)
    touches: str  # what on the account it reads or changes, and what it costs
    tab: str  # the main window's tab where it happens ("" for rows of the Never list)
    page: str = ""  # a page of that tab, when it has several


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "Save credentials",
        False,
        "Checks them with one read of the account (or of a list, for a restricted API key); "
        "the secret is kept in this computer's keychain only.",
        "Credentials",
    ),
    Capability(
        "List owned numbers, search available numbers",
        False,
        "Reads the account's numbers and Twilio's offer; nothing is bought or changed.",
        "Numbers",
    ),
    Capability(
        "Import numbers",
        False,
        "Copies the numbers' details into Loquent's database; Twilio is only read.",
        "Numbers",
    ),
    Capability(
        "Buy a number",
        True,
        "Purchases it: Twilio bills the account every month. Sets its Voice URL in the same "
        "request.",
        "Numbers",
    ),
    Capability(
        "Rename a number",
        True,
        "Changes the number's friendly name on Twilio; calls and messages are not affected.",
        "Numbers",
    ),
    Capability(
        "Release a number",
        True,
        "Gives the number back to Twilio: it stops receiving calls and messages, Twilio "
        "stops billing it, and it may not be bought back. Asks you to type the number.",
        "Numbers",
    ),
    Capability(
        "Point at Loquent",
        True,
        "Overwrites a number's voice configuration (Voice URL, and clears a TwiML app or SIP "
        "trunk that would hide it); inbound calls move to Loquent. The previous "
        "configuration is saved first.",
        "Voice routing",
    ),
    Capability(
        "Restore",
        True,
        "Writes a number's saved voice configuration back.",
        "Voice routing",
    ),
    Capability(
        "Set up event streaming",
        True,
        "Creates an Event Streams sink (or reuses one delivering to Loquent) and a "
        "subscription for SMS or call events.",
        "Sync",
        "Event streaming",
    ),
    Capability(
        "Remove event streaming",
        True,
        "Deletes the subscription, and the sink when Loquent created it and nothing else uses it.",
        "Sync",
        "Event streaming",
    ),
    Capability(
        "Sync message and call history",
        False,
        "Reads the Messages and Calls lists into Loquent's database.",
        "Sync",
        "Message & call history",
    ),
    Capability(
        "Sync and download recordings",
        False,
        "Reads the Recordings list and downloads audio files to this computer; recordings "
        "stay on Twilio.",
        "Recordings",
        "Recordings",
    ),
    Capability(
        "Change a SIP trunk's recording mode",
        True,
        "Changes whether the trunk records calls (and Restore previous mode puts it back).",
        "Recordings",
        "SIP trunks",
    ),
    Capability(
        "Leave BYO (switch to Shared, disconnect)",
        True,
        "Only if you choose to: restores numbers pointing at Loquent and removes Loquent's "
        "event streams, in one plan, before the switch. Switching alone changes nothing on "
        "Twilio.",
        "Credentials",
    ),
)

# What the app never does to an account, whatever you click.
NEVER: tuple[str, ...] = (
    "delete recordings, messages or call logs",
    "change billing, payment or the account's plan",
    "create, close or suspend accounts or subaccounts",
    "create or delete API keys, or change the Auth Token",
    "change a number's messaging (SMS) configuration",
    "change anything without showing the plan and waiting for you to confirm it",
)


def changing() -> list[Capability]:
    return [c for c in CAPABILITIES if c.changes_account]


def read_only() -> list[Capability]:
    return [c for c in CAPABILITIES if not c.changes_account]
