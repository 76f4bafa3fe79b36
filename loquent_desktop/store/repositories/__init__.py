"""Repositories: the only code that runs queries. They return frozen records, never ORM
objects, because results cross from worker threads to the GUI thread."""

from ..errors import RecordNotFound
from .audit import OUTCOMES, AuditRepository
from .organizations import OrganizationRepository
from .phone_numbers import PhoneNumberRepository
from .records import AuditRecord, OrganizationRecord, PhoneNumberRecord, VoiceConfig

__all__ = [
    "OUTCOMES",
    "AuditRecord",
    "AuditRepository",
    "OrganizationRecord",
    "OrganizationRepository",
    "PhoneNumberRecord",
    "PhoneNumberRepository",
    "RecordNotFound",
    "VoiceConfig",
]
