"""The emulator's in-memory world: accounts, keys, numbers, addresses and seeded history.

One ``SandboxState`` is shared by the HTTP handlers (event-loop thread) and by tests or
the desktop app (other threads), so every read or write of it happens under ``state.lock``.
Records are plain slotted dataclasses: 10,000 numbers cost a few milliseconds to build.

Every record carries a ``seq`` from one global counter. Lists are ordered by it, and page
tokens point at a record's seq (kept even after the record is deleted) so paging stays
stable while numbers are bought or released between pages.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from loquent_desktop.sandbox.event_catalog import (
    EventSchema,
    EventType,
    default_event_types,
    default_schemas,
)
from loquent_desktop.sandbox.inventory import Inventory
from loquent_desktop.sandbox.price_book import CountryPriceList, default_number_prices

if TYPE_CHECKING:  # the resource module imports this one
    from loquent_desktop.sandbox.resources.monitor_events import MonitorEvent


@dataclass(slots=True)
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str  # its own SID for a main account, the parent's for a subaccount
    date_created: datetime
    date_updated: datetime
    status: str = "active"  # active | suspended | closed
    type: str = "Full"  # Trial | Full
    seq: int = 0


@dataclass(slots=True)
class ApiKey:
    sid: str
    secret: str
    account_sid: str
    friendly_name: str
    date_created: datetime
    kind: str = "standard"  # standard | main | restricted; only "main" may touch /Accounts


@dataclass(slots=True)
class Address:
    sid: str
    account_sid: str
    customer_name: str
    friendly_name: str
    street: str
    city: str
    region: str
    postal_code: str
    iso_country: str
    date_created: datetime
    date_updated: datetime
    seq: int = 0


@dataclass(slots=True)
class IncomingNumber:
    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    iso_country: str
    number_type: str  # local | mobile | tollFree (the value Twilio puts in "type")
    date_created: datetime
    date_updated: datetime
    capabilities: dict[str, bool]
    address_requirements: str = "none"
    address_sid: str | None = None
    beta: bool = False
    origin: str = "twilio"
    api_version: str = "2010-04-01"
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    voice_application_sid: str | None = None
    voice_caller_id_lookup: bool = False
    voice_receive_mode: str = "voice"
    trunk_sid: str | None = None
    status_callback: str | None = None
    status_callback_method: str = "POST"
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    sms_application_sid: str | None = None
    identity_sid: str | None = None
    bundle_sid: str | None = None
    emergency_status: str = "Inactive"
    emergency_address_sid: str | None = None
    emergency_address_status: str = "unregistered"
    seq: int = 0


@dataclass(slots=True)
class Trunk:
    sid: str
    account_sid: str
    friendly_name: str
    domain_name: str
    recording_mode: str  # do-not-record | record-from-ringing | record-from-answer | ...
    recording_trim: str  # trim-silence | do-not-trim
    date_created: datetime
    date_updated: datetime
    seq: int = 0


@dataclass(slots=True)
class Application:
    sid: str
    account_sid: str
    friendly_name: str
    voice_url: str | None
    sms_url: str | None
    date_created: datetime
    date_updated: datetime
    seq: int = 0


@dataclass(slots=True)
class Message:
    sid: str
    account_sid: str
    from_: str
    to: str
    body: str
    status: str
    direction: str
    date_sent: datetime  # also the list order (newest first); never changed once stored
    num_segments: int = 1
    price: str | None = None
    num_media: int = 0
    price_unit: str = "USD"
    error_code: int | None = None
    error_message: str | None = None
    messaging_service_sid: str | None = None
    date_created: datetime | None = None  # None: the same as date_sent
    date_updated: datetime | None = None  # None: the same as date_sent
    api_version: str = "2010-04-01"
    seq: int = 0


@dataclass(slots=True)
class Call:
    sid: str
    account_sid: str
    from_: str
    to: str
    status: str
    direction: str
    start_time: datetime  # also the list order (newest first); never changed once stored
    end_time: datetime | None
    duration: int
    parent_call_sid: str | None = None  # set on the outbound-dial leg of a forwarded call
    phone_number_sid: str | None = None  # the account's own number on this call
    trunk_sid: str | None = None
    price: str | None = None
    price_unit: str = "USD"
    answered_by: str | None = None  # human | machine_start | ... with answering-machine detection
    forwarded_from: str | None = None
    caller_name: str | None = None
    queue_time: str = "0"
    date_created: datetime | None = None  # None: the same as start_time
    date_updated: datetime | None = None  # None: the same as end_time, else start_time
    api_version: str = "2010-04-01"
    seq: int = 0


@dataclass(slots=True)
class Recording:
    sid: str
    account_sid: str
    call_sid: str
    duration: int
    channels: int
    source: str
    date_created: datetime
    seq: int = 0


@dataclass(slots=True)
class Sink:
    """An Event Streams sink (DG...): where Twilio delivers an account's events."""

    sid: str
    account_sid: str
    description: str
    sink_type: str  # webhook | kinesis | segment
    configuration: dict[str, object]  # e.g. destination, method, batch_events for webhook
    date_created: datetime
    date_updated: datetime
    status: str = "active"  # Twilio no longer validates new sinks: they start active
    seq: int = 0


@dataclass(slots=True)
class Subscription:
    """An Event Streams subscription (DF...): which event types go to which sink."""

    sid: str
    account_sid: str
    sink_sid: str
    description: str
    types: dict[str, int]  # event type -> schema version, in the order subscribed
    date_created: datetime
    date_updated: datetime
    seq: int = 0


@dataclass
class SandboxState:
    """All emulator data. Hold ``lock`` while reading or changing anything in it."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    accounts: dict[str, Account] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    addresses: dict[str, Address] = field(default_factory=dict)
    numbers: dict[str, IncomingNumber] = field(default_factory=dict)
    trunks: dict[str, Trunk] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
    sinks: dict[str, Sink] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # Monitor Events (who changed what): resources.monitor_events records and serves them.
    monitor_events: dict[str, MonitorEvent] = field(default_factory=dict)
    event_types: dict[str, EventType] = field(default_factory=default_event_types)
    event_schemas: dict[str, EventSchema] = field(default_factory=default_schemas)
    inventory: Inventory = field(default_factory=Inventory)
    # Pricing v1: ISO country -> its number prices; accounts whose credentials may not read
    # prices (as a key without the Pricing permission), for tests of the "no price" path.
    number_prices: dict[str, CountryPriceList] = field(default_factory=default_number_prices)
    pricing_denied: set[str] = field(default_factory=set)
    # seq of every record ever stored, deleted ones included, so a page token that names a
    # released number still marks a position in the list.
    seq_of: dict[str, int] = field(default_factory=dict)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def stamp(self, record: object) -> None:
        """Give a new record its list position; call before storing it."""
        seq = next(self._counter)
        record.seq = seq  # type: ignore[attr-defined]
        self.seq_of[record.sid] = seq  # type: ignore[attr-defined]

    def add_account(self, account: Account) -> Account:
        with self.lock:
            self.stamp(account)
            self.accounts[account.sid] = account
        return account

    def add_number(self, number: IncomingNumber) -> IncomingNumber:
        with self.lock:
            self.stamp(number)
            self.numbers[number.sid] = number
        return number

    def add(self, table: dict, record: object) -> object:
        """Store any other record (address, trunk, app, message, call, recording)."""
        with self.lock:
            self.stamp(record)
            table[record.sid] = record  # type: ignore[attr-defined]
        return record

    def account_family(self, account_sid: str) -> list[str]:
        """The account and its subaccounts: what one set of credentials may reach."""
        with self.lock:
            return [
                a.sid
                for a in self.accounts.values()
                if a.sid == account_sid or a.owner_account_sid == account_sid
            ]
