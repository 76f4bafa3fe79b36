"""Send Twilio's hosts somewhere else (the sandbox emulator or any Twilio-compatible server).

The twilio library has no base-URL setting, and v1 APIs hand back absolute `next_page_url`s on
their own host, so the rewrite happens per request in the HTTP client rather than on the
client's `base_url`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

PRODUCTS = ("api", "events", "trunking")


@dataclass(frozen=True)
class HostRouting:
    """`base_url` catches every *.twilio.com host; `products` overrides it per product
    (the first label of the host: api, events, trunking, ...)."""

    base_url: str | None = None
    products: dict[str, str] = field(default_factory=dict)

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
