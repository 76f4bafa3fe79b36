"""Send Twilio's hosts somewhere else (the sandbox emulator or any Twilio-compatible server).

The twilio library has no base-URL setting, and v1 APIs hand back absolute `next_page_url`s on
their own host, so the rewrite happens per request in the HTTP client rather than on the
client's `base_url`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ..domain.errors import InvalidInput
from ..domain.validation import without_userinfo

PRODUCTS = ("api", "events", "trunking", "pricing", "monitor")


_LOOPBACK_NAMES = ("localhost",)


def check_target(url: str) -> str:
    """A routing target must keep credentials safe on the wire: https, or plain http only to
    this machine (the sandbox, a local recorder). Raises InvalidInput otherwise; the message
    never repeats a user name or password written into the address."""
    shown = without_userinfo(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidInput(
            "twilio_base_url", f"'{shown}' is not a complete http(s) address."
        ) from None
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "twilio_base_url", "The Twilio base URL must not contain a user name or password."
        )
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInput("twilio_base_url", f"'{shown}' is not a complete http(s) address.")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidInput(
            "twilio_base_url",
            f"'{shown}' would send Twilio credentials unencrypted to {host}. Use https://, or "
            "http:// only for a server on this machine (127.0.0.1).",
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class HostRouting:
    """`base_url` catches every *.twilio.com host; `products` overrides it per product
    (the first label of the host: api, events, trunking, ...)."""

    base_url: str | None = None
    products: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for target in [self.base_url, *self.products.values()]:
            if target:
                check_target(target)

    def describe(self) -> str:
        """For the status bar: where Twilio requests go when it is not Twilio itself."""
        parts = [urlsplit(t) for t in [self.base_url, *self.products.values()] if t]
        # hostname[:port], never netloc: it could carry a user name.
        return ", ".join(sorted({f"{p.hostname}{f':{p.port}' if p.port else ''}" for p in parts}))

    @property
    def is_real_twilio(self) -> bool:
        return not self.base_url and not self.products

    def target_for(self, product: str) -> str | None:
        return self.products.get(product) or self.base_url

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not host.endswith(".twilio.com"):
            return url
        target = self.target_for(host.split(".", 1)[0])
        if not target:
            return url
        base = urlsplit(target)
        path = base.path.rstrip("/") + parts.path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))
