"""Repositories: the only code that runs queries. They return frozen records, never ORM
objects, because results cross from worker threads to the GUI thread."""

from ..errors import RecordNotFound
from .audit import OUTCOMES, AuditRepository
from .calls import CallRepository
from .contacts import ContactRepository
from .event_streams import EventStreamRecord, EventStreamRepository
from .history_records import (
    CallRecord,
    ContactRecord,
    HistoryQuery,
    MessageRecord,
    SyncCheckpointRecord,
    UpsertCounts,
)
from .messages import MessageRepository
from .organizations import OrganizationRepository
from .phone_numbers import PhoneNumberRepository
from .records import AuditRecord, OrganizationRecord, PhoneNumberRecord, VoiceConfig
from .sync_checkpoints import SyncCheckpointRepository

__all__ = [
    "OUTCOMES",
    "AuditRecord",
    "AuditRepository",
    "CallRecord",
    "CallRepository",
    "ContactRecord",
    "ContactRepository",
    "EventStreamRecord",
    "EventStreamRepository",
    "HistoryQuery",
    "MessageRecord",
    "MessageRepository",
    "OrganizationRecord",
    "OrganizationRepository",
    "PhoneNumberRecord",
    "PhoneNumberRepository",
    "RecordNotFound",
    "SyncCheckpointRecord",
    "SyncCheckpointRepository",
    "UpsertCounts",
    "VoiceConfig",
]
