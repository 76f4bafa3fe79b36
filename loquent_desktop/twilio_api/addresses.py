"""The account's Addresses: what a number that requires an address is bought with.

Read-only; Addresses are created by the customer in the Twilio Console.
"""

from __future__ import annotations

from twilio.rest import Client

from .paging import pages

# (sid, iso_country, label): the label is what the plan shows for the address.
Address = tuple[str, str, str]


class AddressesGateway:
    def __init__(self, client: Client) -> None:
        self._api = client.api.v2010.accounts(client.account_sid).addresses

    async def list_all(self) -> list[Address]:
        """Every Address of the account (all pages) as (sid, iso_country, label)."""
        return [
            (str(a.sid), str(a.iso_country or ""), a.friendly_name or a.customer_name or str(a.sid))
            async for page in pages(self._api)
            for a in page
        ]
