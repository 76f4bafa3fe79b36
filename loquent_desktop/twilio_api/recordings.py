"""The Recordings list (api v2010), read a page at a time for the recordings sync.

The same shape as `HistoryPagesGateway` (first page with filters, then stored
`next_page_uri`s), so the history sync's `SyncRun` reads recordings like calls; records go
on as the JSON dicts Twilio sent.
"""

from __future__ import annotations

from twilio.rest import Client

from .history_pages import HistoryPagesGateway


class RecordingPagesGateway(HistoryPagesGateway):
    def __init__(self, client: Client) -> None:
        super().__init__(client)
        account = client.api.v2010.accounts(client.account_sid)
        self._lists["Recordings"] = account.recordings
