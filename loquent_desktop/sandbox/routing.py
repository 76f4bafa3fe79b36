"""The small router every resource module registers with, and what handlers receive.

aiohttp's own router would answer unknown paths and bad methods with its own HTML bodies;
Twilio answers them with JSON errors (20404, 20004), and auth must run before 404s the
way Twilio does it. So the server has one catch-all aiohttp route and this table.

Handlers are plain functions ``(Ctx) -> Reply`` called with ``state.lock`` held: they are
fast (no I/O), and holding the lock once per request keeps every response consistent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiMapping

from loquent_desktop.sandbox.auth import Principal
from loquent_desktop.sandbox.errors import not_found
from loquent_desktop.sandbox.formats import is_sid
from loquent_desktop.sandbox.state import SandboxState


@dataclass
class Ctx:
    state: SandboxState
    principal: Principal
    method: str
    path: str
    params: dict[str, str]
    query: MultiMapping[str]
    form: MultiMapping[str]

    def sid_param(self, name: str, prefix: str) -> str:
        """A SID from the path; malformed ones are a 404 like Twilio's."""
        value = self.params[name]
        if not is_sid(value, prefix):
            raise not_found(self.path)
        return value


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None = None


Handler = Callable[[Ctx], Reply]


@dataclass
class Route:
    template: str
    handlers: dict[str, Handler]
    # The Accounts resource itself: Standard/Restricted API keys are refused there.
    accounts_resource: bool = False
    # Path parameter naming the account the URL belongs to (checked against credentials).
    account_param: str | None = "AccountSid"
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+?)", re.escape(self.template))
        self.pattern = re.compile(f"^{regex}$")


def route(template: str, *, accounts_resource: bool = False, account_param: str | None = None,
          **handlers: Handler) -> Route:  # fmt: skip
    """Declare a route: ``route("/x/{Sid}.json", get=fetch, post=update)``."""
    if account_param is None and "{AccountSid}" in template:
        account_param = "AccountSid"
    return Route(
        template,
        {m.upper(): h for m, h in handlers.items()},
        accounts_resource=accounts_resource,
        account_param=account_param,
    )


def match(routes: list[Route], path: str) -> tuple[Route, dict[str, str]] | None:
    for r in routes:
        m = r.pattern.match(path)
        if m:
            return r, m.groupdict()
    return None


def product_host(path: str) -> str:
    """The real Twilio host a path belongs to, for absolute v1 paging URLs."""
    if path.startswith("/v1/Trunks"):
        return "trunking.twilio.com"
    if path.startswith("/v1/PhoneNumbers"):
        return "pricing.twilio.com"
    if path.startswith("/v1/Events"):
        return "monitor.twilio.com"
    if path.startswith("/v1/"):
        return "events.twilio.com"
    return "api.twilio.com"
