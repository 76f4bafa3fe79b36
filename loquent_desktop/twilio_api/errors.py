"""One error type for everything that can go wrong talking to Twilio.

The library raises `TwilioRestException` (with `.status`, `.code`, `.msg`) from fetch/create/
update/delete but a bare `TwilioException("Unable to fetch page", response)` from list/page.
Both become `TwilioApiError` with a message a user can act on. `str()` of the library's
exceptions carries ANSI colours and the request URL, so it is never shown.
"""

from __future__ import annotations

import json
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException

from ..domain.errors import TwilioApiError

_ADVICE = {
    20003: "Twilio rejected the credentials. Check the Account SID and Auth Token (or API key "
    "and secret) in the Twilio Console and enter them again.",
    20005: "This Twilio account is not active (suspended or closed). Reactivate it in the "
    "Twilio Console.",
    20008: "These credentials are not allowed to do this (test credentials or a restricted "
    "API key).",
    20404: "Twilio could not find this resource; it may have been released or deleted.",
    20429: "Twilio is limiting the request rate. Wait a minute and try again.",
    20007: "Too many records requested in one page (Twilio's limit is 1000).",
}


def message_for(status: int, code: int | None, twilio_message: str | None) -> str:
    if code in _ADVICE:
        base = _ADVICE[code]
    elif status == 401:
        base = _ADVICE[20003]
    elif status == 429:
        base = _ADVICE[20429]
    elif status >= 500:
        base = f"Twilio had a server problem (HTTP {status}). Try again in a few minutes."
    elif twilio_message and (shown := _printable(twilio_message)):
        base = shown.rstrip(".") + "."
    else:
        base = f"Twilio refused the request (HTTP {status})."
    tag = f" [Twilio error {code}]" if code else f" [HTTP {status}]"
    return base + tag


def _printable(text: str) -> str:
    """A server's message without control characters (an escape sequence would recolour a
    terminal or hide text in the log) and cut to a readable length."""
    return "".join(ch for ch in str(text) if ch.isprintable()).strip()[:300]


def _body(response: Any) -> dict[str, Any]:
    text = getattr(response, "text", None) or getattr(response, "content", None) or ""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def normalize(exc: BaseException) -> TwilioApiError:
    """Turn any exception out of a Twilio call into `TwilioApiError` (already-normalized
    errors pass through)."""
    if isinstance(exc, TwilioApiError):
        return exc
    if isinstance(exc, TwilioRestException):
        status = int(exc.status or 0)
        code = int(exc.code) if exc.code else None
        return TwilioApiError(
            message_for(status, code, str(exc.msg) if exc.msg else None),
            status=status,
            code=code,
            more_info=(exc.details or {}).get("more_info")
            if isinstance(exc.details, dict)
            else None,
            method=exc.method or "",
        )
    if isinstance(exc, TwilioException) and len(exc.args) >= 2:
        response = exc.args[1]
        status = int(getattr(response, "status_code", 0) or 0)
        body = _body(response)
        code = body.get("code") if isinstance(body.get("code"), int) else None
        return TwilioApiError(
            message_for(status, code, body.get("message")),
            status=status,
            code=code,
            more_info=body.get("more_info"),
            method="GET",
        )
    return TwilioApiError(
        f"Unexpected problem talking to Twilio ({type(exc).__name__}).", kind="connection"
    )


class translate_errors:
    """Async context manager that re-raises any Twilio failure as `TwilioApiError`."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or not isinstance(exc, TwilioException | TwilioApiError):
            return False
        if isinstance(exc, TwilioApiError):
            return False
        raise normalize(exc) from None
