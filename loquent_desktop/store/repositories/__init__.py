"""Repositories: the only code that runs queries. They return frozen records, never ORM
objects, because results cross from worker threads to the GUI thread."""

from ..errors import RecordNotFound
from .calls import CallRepository
from .contacts import ContactRepository
from .event_streams import EventStreamRecord, EventStreamRepository
from .journal import OUTCOMES, JournalRepository
from .messages import MessageRepository
from .organizations import OrganizationRepository
from .phone_numbers import PhoneNumberRepository
from .sync_checkpoints import SyncCheckpointRepository

__all__ = [
    "OUTCOMES",
    "CallRepository",
    "ContactRepository",
    "EventStreamRecord",
    "EventStreamRepository",
    "JournalRepository",
    "MessageRepository",
    "OrganizationRepository",
    "PhoneNumberRepository",
    "RecordNotFound",
    "SyncCheckpointRepository",
]
