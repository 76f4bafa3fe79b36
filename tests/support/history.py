"""Message and call history for tests and the sync benchmark: raw Twilio JSON records, and
records put straight into the emulator's state (as if they had happened on the account)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from loquent_desktop.sandbox.formats import new_sid, rfc2822
from loquent_desktop.sandbox.state import Call, Message, SandboxState

BASE = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BODIES = (
    "Hi, can I move my appointment?",
    "Your appointment is confirmed.",
    '=HYPERLINK("https://evil.example","click")',
    "Thanks!",
)


def twilio_message(i: int, **overrides: Any) -> dict[str, Any]:
    """A message as the 2010 API returns it (RFC 2822 dates, counts as strings)."""
    sent = BASE - timedelta(minutes=i)
    message = {
        "sid": f"SM{i:032x}",
        "account_sid": "AC" + "0" * 32,
        "from": f"+1646555{i % 10000:04d}",
        "to": "+14155550100",
        "body": BODIES[i % len(BODIES)],
        "status": "received",
        "direction": "inbound",
        "num_segments": "1",
        "num_media": "0",
        "price": "-0.00790",
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "messaging_service_sid": None,
        "date_sent": rfc2822(sent),
        "date_created": rfc2822(sent),
        "date_updated": rfc2822(sent),
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/AC{'0' * 32}/Messages/SM{i:032x}.json",
    }
    message.update(overrides)
    return message


def twilio_call(i: int, **overrides: Any) -> dict[str, Any]:
    start = BASE - timedelta(hours=i)
    call = {
        "sid": f"CA{i:032x}",
        "account_sid": "AC" + "0" * 32,
        "parent_call_sid": None,
        "from": "+14155550100",
        "to": f"+1720555{i % 10000:04d}",
        "status": "completed",
        "direction": "outbound-api",
        "start_time": rfc2822(start),
        "end_time": rfc2822(start + timedelta(seconds=60 + i)),
        "duration": str(60 + i),
        "price": "-0.0130",
        "price_unit": "USD",
        "answered_by": None,
        "forwarded_from": None,
        "caller_name": None,
        "date_created": rfc2822(start),
        "date_updated": rfc2822(start + timedelta(seconds=60 + i)),
    }
    call.update(overrides)
    return call


def peer(rng: random.Random) -> str:
    return f"+1{rng.choice(('646', '408', '720', '503'))}{rng.randint(2000000, 9999999)}"


def _traffic(
    own: list[str], count: int, newest: datetime | None, spread: timedelta,
    rng: random.Random, inbound_share: float,
) -> Iterator[tuple[bool, str, str, datetime]]:  # fmt: skip
    """(inbound, from, to, when) for `count` records evenly spread over `spread` back from
    `newest`, between an own number and an outside party (1 in 20 between own numbers)."""
    newest = newest or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    step = spread / max(1, count)
    for i in range(count):
        inbound = rng.random() < inbound_share
        ours = rng.choice(own)
        other = rng.choice(own) if rng.random() < 0.05 else peer(rng)
        when = (newest - step * i).replace(microsecond=0)
        yield inbound, other if inbound else ours, ours if inbound else other, when


def add_messages(
    state: SandboxState,
    account_sid: str,
    own: list[str],
    count: int,
    *,
    newest: datetime | None = None,
    spread: timedelta = timedelta(days=300),
    seed: int = 1,
) -> list[Message]:
    """`count` messages of the account's `own` numbers, newest first in time."""
    rng = random.Random(seed)
    made = []
    with state.lock:
        for inbound, from_, to, sent in _traffic(own, count, newest, spread, rng, 0.5):
            message = Message(
                sid=new_sid("SM", rng),
                account_sid=account_sid,
                from_=from_,
                to=to,
                body=BODIES[rng.randrange(len(BODIES))],
                status="received" if inbound else rng.choice(("delivered", "sent", "failed")),
                direction="inbound" if inbound else "outbound-api",
                date_sent=sent,
                num_segments=rng.choice((1, 1, 2)),
                price=f"-0.00{rng.randint(700, 799)}",
            )
            if message.status == "failed":
                message.error_code, message.error_message = 30003, "Unreachable destination"
            state.add(state.messages, message)
            made.append(message)
    return made


def add_calls(
    state: SandboxState,
    account_sid: str,
    own: list[str],
    count: int,
    *,
    newest: datetime | None = None,
    spread: timedelta = timedelta(days=200),
    seed: int = 2,
) -> list[Call]:
    """`count` calls, a quarter of them not completed (busy, no-answer)."""
    rng = random.Random(seed)
    made = []
    with state.lock:
        for inbound, from_, to, start in _traffic(own, count, newest, spread, rng, 0.6):
            completed = rng.random() < 0.75
            duration = rng.randint(5, 900) if completed else 0
            call = Call(
                sid=new_sid("CA", rng),
                account_sid=account_sid,
                from_=from_,
                to=to,
                status="completed" if completed else rng.choice(("busy", "no-answer")),
                direction="inbound" if inbound else "outbound-api",
                start_time=start,
                end_time=start + timedelta(seconds=duration),
                duration=duration,
                price="-0.0085" if completed else None,
            )
            state.add(state.calls, call)
            made.append(call)
    return made


def add_organization_by_sql(conn: Any, org_id: int = 1) -> None:
    """An organization row written with plain SQL, for a database at an older migration
    (the repositories expect the newest schema)."""
    from sqlalchemy import text

    now = {"now": datetime.now(UTC).replace(tzinfo=None), "id": org_id}
    conn.execute(
        text("INSERT INTO organization (id, name, keychain_id, byo_twilio, created_at, "
             "updated_at) VALUES (:id, 'Acme', 'k' || :id, false, :now, :now)"), now,
    )  # fmt: skip
