"""One Twilio account as the services see it: a gateway per resource family, all sharing
one authenticated client.

Services never hold a twilio `Client`; they ask `TwilioAccess` for a `TwilioAccount` and call
named methods on its gateways (`account.incoming_numbers.list_page(...)`), which return domain
values and raise only `TwilioApiError`. Gateways are built on first use, so a service that
only reads messages never builds the event-streams one.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from twilio.rest import Client

if TYPE_CHECKING:  # the gateway modules import this one's neighbours, not the other way
    from .accounts import AccountsGateway
    from .addresses import AddressesGateway
    from .available_numbers import AvailableNumbersGateway
    from .event_streams import EventStreamsGateway
    from .history_pages import HistoryPagesGateway
    from .incoming_numbers import IncomingNumbersGateway
    from .monitor_events import MonitorEventsGateway
    from .pricing import PricingGateway
    from .recording_media import RecordingMediaGateway
    from .recordings import RecordingPagesGateway
    from .trunks import TrunksGateway


class TwilioAccount:
    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def sid(self) -> str:
        return str(self._client.account_sid)

    @cached_property
    def accounts(self) -> AccountsGateway:
        from .accounts import AccountsGateway

        return AccountsGateway(self._client)

    @cached_property
    def incoming_numbers(self) -> IncomingNumbersGateway:
        from .incoming_numbers import IncomingNumbersGateway

        return IncomingNumbersGateway(self._client)

    @cached_property
    def available_numbers(self) -> AvailableNumbersGateway:
        from .available_numbers import AvailableNumbersGateway

        return AvailableNumbersGateway(self._client)

    @cached_property
    def pricing(self) -> PricingGateway:
        from .pricing import PricingGateway

        return PricingGateway(self._client)

    @cached_property
    def addresses(self) -> AddressesGateway:
        from .addresses import AddressesGateway

        return AddressesGateway(self._client)

    @cached_property
    def history_pages(self) -> HistoryPagesGateway:
        from .history_pages import HistoryPagesGateway

        return HistoryPagesGateway(self._client)

    @cached_property
    def event_streams(self) -> EventStreamsGateway:
        from .event_streams import EventStreamsGateway

        return EventStreamsGateway(self._client)

    @cached_property
    def monitor_events(self) -> MonitorEventsGateway:
        from .monitor_events import MonitorEventsGateway

        return MonitorEventsGateway(self._client)

    @cached_property
    def trunks(self) -> TrunksGateway:
        from .trunks import TrunksGateway

        return TrunksGateway(self._client)

    @cached_property
    def recording_pages(self) -> RecordingPagesGateway:
        from .recordings import RecordingPagesGateway

        return RecordingPagesGateway(self._client)

    @cached_property
    def recording_media(self) -> RecordingMediaGateway:
        from .recording_media import RecordingMediaGateway

        return RecordingMediaGateway(self._client)
