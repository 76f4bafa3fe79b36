"""List paging exactly as Twilio does it, in both envelope styles.

Twilio pages with ``PageSize`` (default 50, at most 1000), ``Page`` (an index the client
echoes back) and ``PageToken``. Next-page links carry ``PageToken=PA<sid of last item>``
and previous-page links ``PageToken=PB<sid of first item>``. Tokens refer to a record's
list position (its ``seq``), so a page boundary does not shift when records are added or
removed meanwhile. Without a token, ``Page`` works as a plain offset.

v2010 answers ``{"<key>": [...], "start", "end", "page", "page_size", "uri", ...}`` with
relative URIs; v1 answers ``{"<key>": [...], "meta": {...}}`` with absolute URLs on the
product's real host (the client's rewriting HTTP client maps them back to us).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from multidict import MultiMapping

from loquent_desktop.sandbox.errors import INVALID_PAGE_SIZE, bad_request

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_PAGING_KEYS = {"PageSize", "Page", "PageToken"}


@dataclass(slots=True)
class PageRequest:
    page_size: int
    page: int
    token: str | None
    filters: list[tuple[str, str]]  # the other query parameters, in the order received


@dataclass(slots=True)
class PageSlice:
    items: list[Any]
    start: int  # offset of the first item within the whole filtered list
    has_next: bool
    has_prev: bool


def parse_page_request(query: MultiMapping[str]) -> PageRequest:
    raw_size = query.get("PageSize")
    try:
        page_size = int(raw_size) if raw_size is not None else DEFAULT_PAGE_SIZE
        page = int(query.get("Page", "0"))
    except ValueError as exc:
        raise bad_request(INVALID_PAGE_SIZE, "Invalid paging parameter") from exc
    if page_size > MAX_PAGE_SIZE or page_size < 1:
        raise bad_request(
            INVALID_PAGE_SIZE, f"Invalid PageSize {page_size}: must be between 1 and 1000"
        )
    if page < 0:
        raise bad_request(INVALID_PAGE_SIZE, "Invalid Page: must be 0 or more")
    filters = [(k, v) for k, v in query.items() if k not in _PAGING_KEYS]
    return PageRequest(page_size, page, query.get("PageToken"), filters)


def select_page(
    items: Sequence[T],
    req: PageRequest,
    seq_of: Mapping[str, int],
    seq: Callable[[T], int] = lambda item: item.seq,  # type: ignore[attr-defined]
) -> PageSlice:
    """Cut one page out of ``items`` (already filtered and ordered by seq)."""
    size = req.page_size
    if req.token:
        direction, sid = req.token[:2], req.token[2:]
        anchor = seq_of.get(sid)
        if direction not in ("PA", "PB") or anchor is None:
            raise bad_request(INVALID_PAGE_SIZE, f"Invalid PageToken {req.token}")
        seqs = [seq(item) for item in items]
        if direction == "PA":
            start = bisect.bisect_right(seqs, anchor)
            end = start + size
        else:
            # The page before the anchor may be short if records vanished meanwhile.
            end = bisect.bisect_left(seqs, anchor)
            start = max(0, end - size)
    else:
        start = req.page * size
        end = start + size
    chunk = list(items[start:end])
    return PageSlice(chunk, start, end < len(items), start > 0)


def _uri(path: str, filters: list[tuple[str, str]], size: int, page: int, token: str | None) -> str:
    params = [*filters, ("PageSize", str(size)), ("Page", str(page))]
    if token:
        params.append(("PageToken", token))
    return f"{path}?{urlencode(params)}"


def _links(
    base: str, req: PageRequest, sl: PageSlice, sid: Callable[[Any], str]
) -> tuple[str, str, str | None, str | None]:
    size = req.page_size
    this = _uri(base, req.filters, size, req.page, req.token)
    first = _uri(base, req.filters, size, 0, None)
    nxt = (
        _uri(base, req.filters, size, req.page + 1, "PA" + sid(sl.items[-1]))
        if sl.has_next and sl.items
        else None
    )
    prev = (
        _uri(base, req.filters, size, max(req.page - 1, 0), "PB" + sid(sl.items[0]))
        if sl.has_prev and sl.items
        else None
    )
    return this, first, nxt, prev


def v2010_envelope(
    path: str,
    key: str,
    req: PageRequest,
    sl: PageSlice,
    rows: list[dict[str, Any]],
    sid: Callable[[Any], str] = lambda item: item.sid,
) -> dict[str, Any]:
    this, first, nxt, prev = _links(path, req, sl, sid)
    return {
        key: rows,
        "end": sl.start + max(len(rows) - 1, 0),
        "first_page_uri": first,
        "next_page_uri": nxt,
        "page": req.page,
        "page_size": req.page_size,
        "previous_page_uri": prev,
        "start": sl.start,
        "uri": this,
    }


def v1_envelope(
    host: str,
    path: str,
    key: str,
    req: PageRequest,
    sl: PageSlice,
    rows: list[dict[str, Any]],
    sid: Callable[[Any], str] = lambda item: item.sid,
) -> dict[str, Any]:
    base = f"https://{host}{path}"
    this, first, nxt, prev = _links(base, req, sl, sid)
    return {
        key: rows,
        "meta": {
            "first_page_url": first,
            "key": key,
            "next_page_url": nxt,
            "page": req.page,
            "page_size": req.page_size,
            "previous_page_url": prev,
            "url": this,
        },
    }
