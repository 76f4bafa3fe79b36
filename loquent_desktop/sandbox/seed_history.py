"""Seeded message and call history of an account: conversations with a pool of contacts.

What a synced account looks like after a year: a few busy numbers and many quiet ones,
regular contacts who write and call again, inbound texts answered by ``outbound-reply``,
reminders sent through a Messaging Service, some undelivered/failed texts with their error
codes, unanswered and busy calls, forwarded calls whose ``outbound-dial`` leg points at
its parent, and calls over the SIP trunk of a number attached to one
(``trunking-originating`` from the PSTN to the PBX, ``trunking-terminating`` from the PBX
out). Times are whole seconds spread over ``days`` before ``end``.

Deterministic for a given ``rng`` state. 100,000 messages take well under two seconds: the
random picks are drawn in bulk and each record is one slotted dataclass.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from loquent_desktop.sandbox.formats import new_sid
from loquent_desktop.sandbox.state import Call, IncomingNumber, Recording, SandboxState
from loquent_desktop.sandbox.traffic import new_call, new_message

_INBOUND_TEXTS = (
    "Hi, can I move my appointment to Thursday?",
    "Running 10 minutes late, sorry!",
    "Yes",
    "Thanks!",
    "Is the office open on Saturday?",
    "STOP",
    "Could you send me the invoice again? The link in the last one did not open on my phone "
    "and I need it for my insurance claim before the end of the month. Thank you so much!",
)
_OUTBOUND_TEXTS = (
    "Your appointment is confirmed for tomorrow at 10:00. Reply C to cancel.",
    "Reminder: your cleaning is due. Book online at acme-dental.example/book",
    "Thanks for visiting Acme Dental! How did we do? Reply 1-5.",
    "Your verification code is 482913.",
    "Hi! We have an opening today at 3pm. Reply YES to take it. Reply STOP to opt out of "
    "reminders. Msg&data rates may apply. Acme Dental Group, 500 Market St, San Francisco.",
)
_REPLIES = ("You're welcome!", "Done, see you Thursday at 9.", "We are open 9-1 on Saturdays.")
_CALL_STATUSES = ("completed", "no-answer", "busy", "failed", "canceled")
_CALL_WEIGHTS = (72, 13, 8, 3, 4)
_MESSAGE_STATUSES = ("delivered", "sent", "undelivered", "failed")
_MESSAGE_WEIGHTS = (82, 8, 6, 4)


def contact_pool(size: int) -> list[str]:
    """Distinct external numbers: NANP numbers outside the 9xx exchanges owned numbers use,
    and every tenth a UK mobile in Ofcom's drama range (07700 900xxx)."""
    pool = []
    for k in range(size):
        j = k // 10
        if k % 10 == 9:
            pool.append(f"+447700900{j % 1000:03d}")
            continue
        area = ("646", "408", "720", "503", "917", "650")[k % 6]
        # (j % 700, 7919 j mod 10^4) is unique for j < 70,000: 7919 is prime to 10^4.
        pool.append(f"+1{area}{200 + (k // 6) % 700}{((k // 6) * 7919 + 311) % 10000:04d}")
    return pool


def _zipf(count: int) -> list[float]:
    # A few numbers and contacts carry most of the traffic, as in real accounts.
    return [1.0 / (i + 1) ** 0.8 for i in range(count)]


def seed_history(
    state: SandboxState, rng: random.Random, account_sid: str,
    numbers: Sequence[IncomingNumber], messages: int, calls: int, recordings: int,
    end: datetime, days: int,
) -> None:  # fmt: skip
    """Add ``messages`` messages, ``calls`` calls and ``recordings`` recordings to the
    account (call with ``state.lock`` held)."""
    span = days * 86400
    peers = contact_pool(min(5000, max(40, (messages + calls) // 25)))
    texting = [n for n in numbers if n.capabilities.get("sms")] or list(numbers)
    _seed_messages(state, rng, account_sid, [n.phone_number for n in texting], peers, messages,
                   end, span)  # fmt: skip
    completed = _seed_calls(state, rng, account_sid, numbers, peers, calls, end, span)
    for i in range(recordings):
        call = completed[i % len(completed)] if completed else None
        state.add(state.recordings, Recording(
            new_sid("RE", rng), account_sid, call.sid if call else new_sid("CA", rng),
            max(1, call.duration - rng.randint(0, 5)) if call else rng.randint(5, 600),
            rng.choice((1, 2)), rng.choice(("DialVerb", "RecordVerb", "Trunking")),
            (call.start_time + timedelta(seconds=2)) if call else end,
        ))  # fmt: skip


def _seed_messages(
    state: SandboxState, rng: random.Random, account_sid: str, ours: list[str],
    peers: list[str], count: int, end: datetime, span: int,
) -> None:  # fmt: skip
    if not ours or count <= 0:
        return
    service = new_sid("MG", rng)  # the account's reminder Messaging Service
    our_picks = rng.choices(ours, _zipf(len(ours)), k=count)
    peer_picks = rng.choices(peers, _zipf(len(peers)), k=count)
    statuses = rng.choices(_MESSAGE_STATUSES, _MESSAGE_WEIGHTS, k=count)
    add, table = state.add, state.messages
    made = 0
    for our, peer, status in zip(our_picks, peer_picks, statuses, strict=True):
        if made >= count:
            break
        sent = end - timedelta(seconds=rng.randrange(span))
        roll = rng.random()
        media = 1 if rng.random() < 0.03 else 0
        if roll < 0.45:
            add(table, new_message(account_sid, peer, our, rng.choice(_INBOUND_TEXTS), sent,
                                   media=media, rng=rng))  # fmt: skip
            made += 1
            if made < count and rng.random() < 0.35:  # answered by hand a few minutes later
                reply = new_message(
                    account_sid, our, peer, rng.choice(_REPLIES),
                    sent + timedelta(seconds=rng.randint(30, 900)),
                    direction="outbound-reply", status=status, rng=rng,
                )  # fmt: skip
                add(table, reply)
                made += 1
            continue
        direction = "outbound-call" if roll > 0.98 else "outbound-api"
        via = service if direction == "outbound-api" and rng.random() < 0.4 else None
        add(table, new_message(account_sid, our, peer, rng.choice(_OUTBOUND_TEXTS), sent,
                               direction=direction, status=status, media=media,
                               messaging_service_sid=via, rng=rng))  # fmt: skip
        made += 1


def _seed_calls(
    state: SandboxState, rng: random.Random, account_sid: str,
    numbers: Sequence[IncomingNumber], peers: list[str], count: int, end: datetime, span: int,
) -> list[Call]:  # fmt: skip
    """Seed ``count`` calls; returns the completed top-level ones (recordings point there)."""
    ours = list(numbers)
    if not ours or count <= 0:
        return []
    our_picks = rng.choices(ours, _zipf(len(ours)), k=count)
    peer_picks = rng.choices(peers, _zipf(len(peers)), k=count)
    statuses = rng.choices(_CALL_STATUSES, _CALL_WEIGHTS, k=count)
    staff = peers[-5:]  # the cell phones forwarded calls ring
    completed: list[Call] = []
    made = 0
    for our, peer, status in zip(our_picks, peer_picks, statuses, strict=True):
        if made >= count:
            break
        start = end - timedelta(seconds=rng.randrange(span))
        inbound = rng.random() < 0.6
        duration = min(3600, 5 + int(rng.expovariate(1 / 180)))
        if our.trunk_sid:  # the number rings the office PBX, which also calls out through it
            direction = "trunking-originating" if inbound else "trunking-terminating"
        else:
            direction = "inbound" if inbound else "outbound-api"
        call = new_call(
            account_sid, peer if inbound else our.phone_number,
            our.phone_number if inbound else peer, start,
            direction=direction, status=status,
            duration=duration, ringing=rng.randint(5, 30), rng=rng,
        )  # fmt: skip
        call.phone_number_sid = our.sid
        call.trunk_sid = our.trunk_sid
        if inbound and rng.random() < 0.03:
            call.forwarded_from = peers[rng.randrange(len(peers))]
        if not inbound and status == "completed" and rng.random() < 0.3:
            answered_by = rng.choice(("human", "human", "machine_end_beep"))
            if direction == "outbound-api":  # answering-machine detection: a REST API option
                call.answered_by = answered_by
        state.add(state.calls, call)
        made += 1
        if status == "completed":
            completed.append(call)
            if direction == "inbound" and made < count and rng.random() < 0.25:
                # Forwarded with <Dial>: the child leg rings a staff phone with the caller's ID.
                offset = rng.randint(2, 8)
                leg = new_call(
                    account_sid, peer, rng.choice(staff), start + timedelta(seconds=offset),
                    direction="outbound-dial", status="completed",
                    duration=max(1, duration - offset), parent_call_sid=call.sid, rng=rng,
                )  # fmt: skip
                state.add(state.calls, leg)
                made += 1
    return completed
