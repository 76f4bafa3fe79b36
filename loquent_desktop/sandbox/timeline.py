"""Newest-first lists of messages and calls: a per-account index, day filters and paging.

Twilio lists messages and calls newest first. Sorting an account's 100,000 messages on every
page request would cost tens of milliseconds, so each table keeps, per account, its records
in that order with one integer key each, built once and then extended in place (by
bisection) as records arrive. Whether a table changed is read from the table itself
(its size and its last-inserted SID), so code that stores records with ``state.add`` needs
no hook; a deletion simply triggers a rebuild. A record's time (``date_sent`` /
``start_time``) must not change once stored: it is its place in the list.

Order key: ``-(unix_seconds << 32 | seq)``. Ascending keys are newest first, and records of
the same second are ordered by arrival (newer first). Page tokens (``PA<sid>``) name the
record a page ended on and its key marks the position, so a record arriving between pages
(it sorts before everything already served) neither shifts nor repeats the next pages.

Exact ``To``/``From`` filters (what a per-number sync asks for) read a second list per
account and number, kept the same way, so they cost a bisection too rather than a scan of
every record. Other filters (``Status``, ``EndTime``, ...) may change after a record is
stored, so they are never indexed: a page reads on from its anchor until it is full.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import islice
from operator import eq
from typing import Any

from multidict import MultiMapping

from loquent_desktop.sandbox.errors import (
    INVALID_PAGE_SIZE,
    INVALID_PARAMETER,
    bad_request,
    not_found,
)
from loquent_desktop.sandbox.formats import is_sid
from loquent_desktop.sandbox.paging import PageRequest, PageSlice
from loquent_desktop.sandbox.routing import Ctx
from loquent_desktop.sandbox.state import SandboxState

_SEQ_BITS = 32  # seq < 2**32: four billion records per emulator run
_BUILD_LIMIT = 5000  # past this many new records one sort beats that many list insertions


@dataclass(frozen=True, slots=True)
class Test:
    """One list filter: whether a record's ``attr`` value is wanted."""

    attr: str
    wanted: Callable[[Any], bool]
    equal_to: str | None = None  # set for exact matches, which may use a per-value list


@dataclass(frozen=True)
class Ordering:
    """Which table a timeline indexes, which time field orders it, which fields get lists."""

    table: str  # attribute of SandboxState
    time_attr: str
    indexed: tuple[str, ...] = ("to", "from_")  # fields that never change once stored

    def key(self, record: Any) -> int:
        moment: datetime = getattr(record, self.time_attr)
        return -((int(moment.timestamp()) << _SEQ_BITS) | record.seq)


MESSAGES = Ordering("messages", "date_sent")
CALLS = Ordering("calls", "start_time")


@dataclass(slots=True)
class _Timeline:
    keys: list[int] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class _TableIndex:
    size: int = 0  # len(table) when last synchronised
    last_sid: str | None = None
    accounts: dict[str, _Timeline] = field(default_factory=dict)
    # (account SID, field, value) -> that account's records with that value, in order.
    by_value: dict[tuple[str, str, Any], _Timeline] = field(default_factory=dict)

    def lines(self, ordering: Ordering, record: Any) -> list[_Timeline]:
        """Every list ``record`` belongs in, created when missing."""
        account = record.account_sid
        found = [self.accounts.setdefault(account, _Timeline())]
        for attr in ordering.indexed:
            slot = (account, attr, getattr(record, attr))
            found.append(self.by_value.setdefault(slot, _Timeline()))
        return found


# (id(state), table name) -> index; an entry is dropped when its state is garbage-collected,
# before its id could be reused (SandboxState is unhashable, so no WeakKeyDictionary).
_INDEXES: dict[tuple[int, str], _TableIndex] = {}


def _index(state: SandboxState, ordering: Ordering) -> _TableIndex:
    """The table's index, brought up to date. Call with ``state.lock`` held."""
    table: dict[str, Any] = getattr(state, ordering.table)
    slot = (id(state), ordering.table)
    index = _INDEXES.get(slot)
    if index is None:
        index = _INDEXES[slot] = _TableIndex()
        weakref.finalize(state, _INDEXES.pop, slot, None)
    last = next(reversed(table), None)
    if (len(table), last) != (index.size, index.last_sid) and not _append(index, table, ordering):
        _rebuild(index, table, ordering)
    index.size, index.last_sid = len(table), last
    return index


def _append(index: _TableIndex, table: dict[str, Any], ordering: Ordering) -> bool:
    """Insert the records added since the last sync; False if the table changed otherwise."""
    grown = len(table) - index.size
    if grown <= 0 or grown > _BUILD_LIMIT or index.last_sid is None:
        return False
    tail = list(islice(reversed(table), grown + 1))
    if tail[-1] != index.last_sid:
        return False  # something was deleted as well
    for sid in reversed(tail[:-1]):
        record = table[sid]
        key = ordering.key(record)
        for line in index.lines(ordering, record):
            at = bisect_left(line.keys, key)
            line.keys.insert(at, key)
            line.items.insert(at, record)
    return True


def _rebuild(index: _TableIndex, table: dict[str, Any], ordering: Ordering) -> None:
    records = list(table.values())
    # Sorting indices by a list of ints is ~4x faster than sorting (key, record) pairs.
    keys = list(map(ordering.key, records))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    index.accounts, index.by_value = {}, {}
    for i in order:  # in list order, so appending keeps every list sorted
        key, record = keys[i], records[i]
        for line in index.lines(ordering, record):
            line.keys.append(key)
            line.items.append(record)


def prepare(state: SandboxState) -> None:
    """Build the indexes now, so that the first list request is as quick as the next ones."""
    with state.lock:
        _index(state, MESSAGES)
        _index(state, CALLS)


# -- filters ---------------------------------------------------------------------------------


def _day(query: MultiMapping[str], name: str) -> date | None:
    raw = query.get(name)
    if raw is None or not raw.strip():
        return None
    # The library sends datetimes as 2026-01-31T00:00:00Z; Twilio only looks at the day.
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise bad_request(INVALID_PARAMETER, f"{name} must be a date (YYYY-MM-DD): {raw}") from None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(slots=True)
class Window:
    """A half-open time range [since, until); None is unbounded."""

    since: datetime | None = None
    until: datetime | None = None

    def contains(self, moment: datetime | None) -> bool:
        return (
            moment is not None
            and (self.since is None or moment >= self.since)
            and (self.until is None or moment < self.until)
        )

    def is_open(self) -> bool:
        return self.since is None and self.until is None


def day_window(query: MultiMapping[str], name: str, before_inclusive: bool) -> Window:
    """Twilio's day-granular ``Name``, ``Name<`` and ``Name>`` filters as one time range.

    ``Name=D``: that day. ``Name>=D`` (sent by the library as key ``Name>``): on or after D.
    ``Name<=D``: on or before D for messages ("on and before a specific date"), strictly
    before D for calls ("started before this date"), as Twilio documents each.
    """
    window = Window()
    bounds: list[tuple[datetime | None, datetime | None]] = []
    exact = _day(query, name)
    if exact is not None:
        bounds.append((_midnight(exact), _midnight(exact + timedelta(days=1))))
    after = _day(query, f"{name}>")
    if after is not None:
        bounds.append((_midnight(after), None))
    before = _day(query, f"{name}<")
    if before is not None:
        bounds.append((None, _midnight(before + timedelta(days=1 if before_inclusive else 0))))
    for since, until in bounds:
        if since is not None and (window.since is None or since > window.since):
            window.since = since
        if until is not None and (window.until is None or until < window.until):
            window.until = until
    return window


def equals(attr: str, value: str) -> Test:
    # partial(eq, value), not value.__eq__: str.__eq__(None) is NotImplemented, which is truthy.
    return Test(attr, partial(eq, value), value)


def within(attr: str, window: Window) -> Test:
    return Test(attr, window.contains)


def phone_tests(query: MultiMapping[str]) -> list[Test]:
    """The ``To`` and ``From`` filters: exact E.164 matches (a '+' sent unencoded arrives as
    a space, as it would with curl)."""
    tests = []
    for name, attr in (("To", "to"), ("From", "from_")):
        raw = query.get(name)
        if raw is not None:
            tests.append(equals(attr, "+" + raw[1:] if raw.startswith(" ") else raw.strip()))
    return tests


# -- listing and fetching --------------------------------------------------------------------


def select(
    ctx: Ctx, ordering: Ordering, req: PageRequest, window: Window, tests: list[Test]
) -> PageSlice:
    """One page of the URL account's records in ``window`` that pass every test."""
    account_sid = ctx.params["AccountSid"]
    index = _index(ctx.state, ordering)
    line = index.accounts.get(account_sid, _Timeline())
    for test in tests:
        if test.equal_to is not None and test.attr in ordering.indexed:
            line = index.by_value.get((account_sid, test.attr, test.equal_to), _Timeline())
            tests = [t for t in tests if t is not test]
            break
    keys, items = line.keys, line.items
    lo, hi = 0, len(keys)
    # The list is in time order, so the time window is a contiguous run found by bisection.
    if window.until is not None:
        lo = bisect_right(keys, -(int(window.until.timestamp()) << _SEQ_BITS))
    if window.since is not None:
        hi = max(lo, bisect_right(keys, -(int(window.since.timestamp()) << _SEQ_BITS)))
    size, token = req.page_size, req.token or ""
    anchor = _anchor(ctx, ordering, token, account_sid) if token else None
    if anchor is not None and token.startswith("PB"):
        end = bisect_left(keys, anchor, lo, hi)
        if tests:
            found = _scan(items, tests, range(end - 1, lo - 1, -1), size + 1)
            return PageSlice(found[:size][::-1], req.page * size, True, len(found) > size)
        start = max(lo, end - size)
    else:
        start = bisect_right(keys, anchor, lo, hi) if anchor is not None else lo
        if tests:
            # Read on from the anchor only until the page is full: a page of 1000 out of
            # 100,000 costs a few thousand checks. ``start`` is then Page x PageSize, as
            # Twilio reports it, not a count of every match before the anchor.
            skip = 0 if anchor is not None else req.page * size
            found = _scan(items, tests, range(start, hi), skip + size + 1)
            more = len(found) > skip + size
            return PageSlice(found[skip : skip + size], req.page * size, more, req.page > 0)
        if anchor is None:
            start += req.page * size
        end = min(start + size, hi)
    return PageSlice(items[start:end], start - lo, end < hi, start > lo)


def _scan(items: list[Any], tests: list[Test], positions: range, limit: int) -> list[Any]:
    """Up to ``limit`` records at ``positions`` (in that order) that pass every test."""
    found = []
    for i in positions:
        record = items[i]
        if all(test.wanted(getattr(record, test.attr)) for test in tests):
            found.append(record)
            if len(found) == limit:
                break
    return found


def _anchor(ctx: Ctx, ordering: Ordering, token: str, account_sid: str) -> int:
    record = getattr(ctx.state, ordering.table).get(token[2:])
    if token[:2] not in ("PA", "PB") or record is None or record.account_sid != account_sid:
        raise bad_request(INVALID_PAGE_SIZE, f"Invalid PageToken {token}")
    return ordering.key(record)


def owned(ctx: Ctx, ordering: Ordering, *prefixes: str) -> Any:
    """The record named by the ``Sid`` path parameter, if the URL's account owns it; else 404."""
    sid = ctx.params["Sid"]
    record = getattr(ctx.state, ordering.table).get(sid)
    if (
        not any(is_sid(sid, prefix) for prefix in prefixes)
        or record is None
        or record.account_sid != ctx.params["AccountSid"]
    ):
        raise not_found(ctx.path)
    return record
