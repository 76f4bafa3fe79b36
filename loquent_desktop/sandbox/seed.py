"""Demo data: a customer account with a realistic mix of numbers, plus a shared account.

``seed_demo`` fills a ``SandboxState`` the way a real customer's account looks when they
first connect it: most numbers already point at other platforms (a CRM, a PBX, an AI voice
vendor), a few have no voice URL, exactly one is routed through a TwiML app and exactly
one through a SIP trunk. It also has a year of message and call history
(``seed_history``). The data (SIDs, numbers, names, dates) is deterministic for a given
``seed``; secrets are random per run unless ``fixed_credentials`` is set.

Building 10,000 numbers takes a few tens of milliseconds: records are slotted dataclasses
and numbers come from arithmetic, not from searching the inventory. 100,000 messages take
about a second.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loquent_desktop.sandbox import timeline
from loquent_desktop.sandbox.formats import format_national, new_sid
from loquent_desktop.sandbox.seed_events import seed_events
from loquent_desktop.sandbox.seed_history import seed_history
from loquent_desktop.sandbox.state import (
    Account,
    Address,
    ApiKey,
    Application,
    IncomingNumber,
    SandboxState,
    Trunk,
)

_EPOCH = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# (area code, city) for the owned US numbers; exchanges 9xx never appear in the inventory.
_US_AREAS = (
    ("415", "San Francisco"),
    ("212", "New York"),
    ("312", "Chicago"),
    ("512", "Austin"),
    ("206", "Seattle"),
    ("617", "Boston"),
    ("305", "Miami"),
    ("510", "Oakland"),
)
_LABELS = (
    "Sales",
    "Support",
    "Main office",
    "Front desk",
    "Billing",
    "After-hours",
    "Marketing campaign",
    "Dispatch",
    "Appointments",
    "Field team",
)
_PLATFORM_URLS = (
    "https://crm.example.com/voice/inbound/{n}",
    "https://pbx.example.net/twilio/incoming?line={n}",
    "https://ai-voice.example.org/hooks/answer/{n}",
    "https://crm.example.com/voice/ivr",
)


@dataclass(frozen=True)
class SeedInfo:
    """What ``seed_demo`` created that a test or the app needs to connect."""

    account_sid: str  # the demo ("customer") account
    auth_token: str
    api_key_sid: str  # a Standard API key of the demo account
    api_key_secret: str
    shared_account_sid: str  # "Loquent (shared)"
    shared_auth_token: str
    subaccount_sid: str  # a subaccount of the demo account
    trunk_sid: str  # the SIP trunk one demo number routes to
    application_sid: str  # the TwiML app one demo number routes to
    address_sids: dict[str, str]  # ISO country -> an Address of the demo account
    number_count: int
    message_count: int = 0  # of the demo account (the shared account has 1/20 as many)
    call_count: int = 0
    history_end: datetime = _EPOCH  # the newest seeded message or call is before this


def _secret(rng: random.Random, fixed: bool) -> str:
    return f"{rng.getrandbits(128):032x}" if fixed else secrets.token_hex(16)


def _when(rng: random.Random, max_days: int) -> datetime:
    return _EPOCH - timedelta(seconds=rng.randint(0, max_days * 86400))


def seed_demo(
    state: SandboxState,
    numbers: int = 25,
    messages: int = 300,
    calls: int = 150,
    recordings: int = 0,
    seed: int = 0,
    fixed_credentials: bool = False,
    history_days: int = 400,
    history_end: datetime | None = None,
) -> SeedInfo:
    """Fill ``state`` with the demo and shared accounts; see the module docstring.

    The demo account gets exactly ``messages`` messages and ``calls`` calls (forwarded
    calls' child legs included) spread over the ``history_days`` before ``history_end``
    (default: a fixed date, so the data is the same every run); see ``seed_history``.
    """
    rng = random.Random(seed)
    end = history_end or _EPOCH
    with state.lock:
        created = _EPOCH - timedelta(days=900)
        demo = state.add_account(
            Account(new_sid("AC", rng), _secret(rng, fixed_credentials),
                    "Acme Dental Group", "", created, created)
        )  # fmt: skip
        demo.owner_account_sid = demo.sid
        shared = state.add_account(
            Account(new_sid("AC", rng), _secret(rng, fixed_credentials),
                    "Loquent (shared)", "", created, created)
        )  # fmt: skip
        shared.owner_account_sid = shared.sid
        sub = state.add_account(
            Account(new_sid("AC", rng), _secret(rng, fixed_credentials),
                    "Acme Dental – Berlin branch", demo.sid, created, created)
        )  # fmt: skip
        key = ApiKey(new_sid("SK", rng), _secret(rng, fixed_credentials), demo.sid,
                     "Loquent Desktop", created)  # fmt: skip
        state.api_keys[key.sid] = key

        addresses = {}
        for country, city, region, street, postal in (
            ("US", "San Francisco", "CA", "500 Market St", "94105"),
            ("GB", "London", "London", "221 Baker St", "NW1 6XE"),
            ("DE", "Berlin", "Berlin", "Unter den Linden 5", "10117"),
        ):
            addr = Address(new_sid("AD", rng), demo.sid, "Acme Dental Group",
                           f"Acme {city}", street, city, region, postal, country,
                           created, created)  # fmt: skip
            state.add(state.addresses, addr)
            addresses[country] = addr.sid

        trunk = Trunk(new_sid("TK", rng), demo.sid, "Office PBX trunk",
                      "acme-office.pstn.twilio.com", "record-from-answer", "do-not-trim",
                      created, created)  # fmt: skip
        state.add(state.trunks, trunk)
        spare = Trunk(new_sid("TK", rng), demo.sid, "Backup carrier trunk",
                      "acme-backup.pstn.twilio.com", "do-not-record", "trim-silence",
                      created, created)  # fmt: skip
        state.add(state.trunks, spare)
        app = Application(new_sid("AP", rng), demo.sid, "IVR (Studio export)",
                          "https://ivr.example.com/twiml/main", None, created, created)  # fmt: skip
        state.add(state.applications, app)
        state.add(
            state.applications,
            Application(new_sid("AP", rng), demo.sid, "SMS auto-reply", None,
                        "https://crm.example.com/sms/auto", created, created),
        )  # fmt: skip

        owned = _seed_numbers(state, rng, demo.sid, numbers, app.sid, trunk.sid)
        pool = _seed_shared(state, rng, shared.sid)
        seed_history(state, rng, demo.sid, owned, messages, calls, recordings, end, history_days)
        # A little traffic on the shared account too, which the demo credentials must not see.
        seed_history(state, rng, shared.sid, pool, messages // 20, calls // 20, 0, end,
                     history_days)  # fmt: skip
        timeline.prepare(state)  # sort once now, not in the first list request
        seed_events(state, random.Random(f"events:{seed}"), demo.sid)  # own rng: stable

    return SeedInfo(
        account_sid=demo.sid,
        auth_token=demo.auth_token,
        api_key_sid=key.sid,
        api_key_secret=key.secret,
        shared_account_sid=shared.sid,
        shared_auth_token=shared.auth_token,
        subaccount_sid=sub.sid,
        trunk_sid=trunk.sid,
        application_sid=app.sid,
        address_sids=addresses,
        number_count=numbers,
        message_count=messages,
        call_count=calls,
        history_end=end,
    )


def _seed_numbers(
    state: SandboxState, rng: random.Random, account_sid: str, count: int, app_sid: str,
    trunk_sid: str,
) -> list[IncomingNumber]:  # fmt: skip
    gb_count = min(1000, max(1, count // 30)) if count >= 10 else 0
    us_count = count - gb_count
    owned: list[IncomingNumber] = []
    for i in range(count):
        if i < us_count:
            area, city = _US_AREAS[i % len(_US_AREAS)]
            k = i // len(_US_AREAS)
            # 7919 is prime, so k -> line is a bijection on 0..9999: unique, unsorted-looking.
            exchange = 900 + (k // 10000) % 100
            e164 = f"+1{area}{exchange}{(k * 7919 + 137) % 10000:04d}"
            country, caps = "US", {"voice": True, "sms": True, "mms": True, "fax": False}
        else:
            j = i - us_count
            e164 = f"+44207946{j:04d}"  # 020 7946 0xxx: Ofcom's drama range
            city = "London"
            country, caps = "GB", {"voice": True, "sms": False, "mms": False, "fax": False}
        created = _when(rng, 800)
        label = _LABELS[rng.randrange(len(_LABELS))]
        name = f"{label} – {city}" if rng.random() < 0.8 else format_national(e164)
        num = IncomingNumber(
            sid=new_sid("PN", rng),
            account_sid=account_sid,
            phone_number=e164,
            friendly_name=name,
            iso_country=country,
            number_type="local",
            date_created=created,
            date_updated=created + timedelta(days=rng.randint(0, 60)),
            capabilities=caps,
            address_requirements="any" if country == "GB" else "none",
        )
        roll = rng.random()
        if i == 0:
            num.voice_application_sid = app_sid
        elif i == 1:
            num.trunk_sid = trunk_sid
            # A URL left behind from before the PBX: Twilio ignores it while the trunk is set,
            # and Restore must bring back both.
            num.voice_url = "https://old-ivr.example.com/voice"
            num.voice_fallback_method = "GET"
        elif roll < 0.15:
            pass  # no voice URL: calls to it are simply rejected today
        else:
            num.voice_url = _PLATFORM_URLS[rng.randrange(len(_PLATFORM_URLS))].format(n=i)
            if roll > 0.85:
                num.voice_method = "GET"
            if roll > 0.6:
                num.voice_fallback_url = "https://pbx.example.net/twilio/fallback"
            if roll > 0.5:
                num.status_callback = "https://crm.example.com/voice/status"
            if roll > 0.92:  # methods other than the default must come back too
                num.voice_fallback_method = "GET"
                num.status_callback_method = "GET"
        if country == "US" and rng.random() < 0.35:
            num.sms_url = "https://crm.example.com/sms/inbound"
        owned.append(state.add_number(num))
    return owned


def _seed_shared(state: SandboxState, rng: random.Random, account_sid: str) -> list[IncomingNumber]:
    pool = []
    for i in range(3):
        created = _when(rng, 300)
        number = state.add_number(
            IncomingNumber(
                sid=new_sid("PN", rng),
                account_sid=account_sid,
                phone_number=f"+1833555{i:04d}",
                friendly_name=f"Loquent pool {i + 1}",
                iso_country="US",
                number_type="toll-free",
                date_created=created,
                date_updated=created,
                capabilities={"voice": True, "sms": True, "mms": False, "fax": False},
                voice_url="https://voice.loquent.example/twilio/voice",
            )
        )
        pool.append(number)
    return pool
