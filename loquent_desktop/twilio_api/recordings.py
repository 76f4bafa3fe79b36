"""The Recordings lists (api v2010), read a page at a time for the recordings sync.

Two lists: the account's whole Recordings list (a BYO organization's account, read like
calls: the same shape as `HistoryPagesGateway`, first page with filters, then stored
`next_page_uri`s, so the history sync's `SyncRun` reads it), and one call's recordings
(`/Calls/{CA}/Recordings.json`), which is how a Shared organization's recordings are read
from Loquent's shared account without seeing other organizations'. Records go on as the
JSON dicts Twilio sent.
"""

from __future__ import annotations

from typing import Any

from twilio.rest import Client

from .history_pages import HistoryPagesGateway, RawPage, raw_page
from .paging import pages


class RecordingPagesGateway(HistoryPagesGateway):
    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self._account = client.api.v2010.accounts(client.account_sid)
        self._lists["Recordings"] = self._account.recordings

    async def call_recordings(self, call_sid: str) -> RawPage:
        """Every recording of one call (all its pages: a call has a handful at most)."""
        records: list[dict[str, Any]] = []
        async for page in pages(self._account.calls(call_sid).recordings):
            records.extend(raw_page(page).records)
        return RawPage(records, None)
