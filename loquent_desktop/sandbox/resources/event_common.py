"""What the Event Streams resources of the emulator share: the host, the v1 page envelope,
and reading form fields.

Records without a SID (event types, subscribed events) are paged by their position."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from loquent_desktop.sandbox import errors
from loquent_desktop.sandbox.errors import bad_request
from loquent_desktop.sandbox.paging import parse_page_request, select_page, v1_envelope
from loquent_desktop.sandbox.routing import Ctx, Reply

HOST = "events.twilio.com"
BASE = f"https://{HOST}/v1"
T = TypeVar("T")


def page(
    ctx: Ctx, key: str, items: Sequence[T], rows: Callable[[T], dict[str, Any]],
    name: Callable[[T], str] | None = None,
) -> Reply:  # fmt: skip
    """One v1 page of ``items``. Records without a SID (types, subscribed events) are paged
    by their position in ``items``, named by ``name``."""
    req = parse_page_request(ctx.query)
    if name is None:
        sl = select_page(items, req, ctx.state.seq_of)
        body = v1_envelope(HOST, ctx.path, key, req, sl, [rows(i) for i in sl.items])
    else:
        order = {name(item): index for index, item in enumerate(items)}
        sl = select_page(items, req, order, seq=lambda item: order[name(item)])
        body = v1_envelope(HOST, ctx.path, key, req, sl, [rows(i) for i in sl.items], sid=name)
    return Reply(200, body)


def required(ctx: Ctx, name: str) -> str:
    value = ctx.form.get(name, "").strip()
    if not value:
        raise bad_request(errors.INVALID_PARAMETER, f"Missing required parameter {name}")
    return value


def json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_request(errors.INVALID_PARAMETER, f"{name} is not valid JSON") from None
    if not isinstance(value, dict):
        raise bad_request(errors.INVALID_PARAMETER, f"{name} must be a JSON object")
    return value
