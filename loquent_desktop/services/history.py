"""The history services the Sync tab needs, built from the database and the Twilio door."""

from __future__ import annotations

from dataclasses import dataclass

from ..store.database import Database
from .contacts import ContactsService
from .history_browse import HistoryBrowseService
from .history_sync import HistorySyncService
from .leases import Leases
from .twilio_access import TwilioAccess


@dataclass(frozen=True)
class HistoryServices:
    sync: HistorySyncService  # reads Twilio's lists into the database
    browse: HistoryBrowseService  # reads the database only
    contacts: ContactsService  # the Contacts page: reads the database only

    @classmethod
    def build(cls, access: TwilioAccess, database: Database) -> HistoryServices:
        return cls(
            sync=HistorySyncService(
                access,
                database.organizations,
                database.phone_numbers,
                database.messages,
                database.calls,
                database.sync_checkpoints,
                Leases(database.leases),
            ),
            browse=HistoryBrowseService(
                database.messages, database.calls, database.contacts, database.recordings
            ),
            contacts=ContactsService(database.contacts),
        )
