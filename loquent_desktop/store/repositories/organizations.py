"""Organizations: the customers whose Twilio accounts the app manages."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ...domain.errors import InvalidInput
from ...domain.records import OrganizationRecord
from ..column_types import utcnow
from ..errors import RecordNotFound
from ..models import Organization
from .records import record_from


def _duplicate(name: str) -> InvalidInput:
    return InvalidInput("name", f"An organization named “{name}” already exists.")


class OrganizationRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list(self) -> list[OrganizationRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(Organization).order_by(func.lower(Organization.name)))
            return [record_from(OrganizationRecord, row) for row in rows]

    def get(self, org_id: int) -> OrganizationRecord:
        with self._sessions() as session:
            return record_from(OrganizationRecord, self._load(session, org_id))

    def find(self, org_id: int) -> OrganizationRecord | None:
        with self._sessions() as session:
            row = session.get(Organization, org_id)
            return None if row is None else record_from(OrganizationRecord, row)

    def get_by_name(self, name: str) -> OrganizationRecord | None:
        """Case-insensitive: “Acme” and “acme” are the same customer to a person."""
        with self._sessions() as session:
            row = session.scalars(
                select(Organization).where(func.lower(Organization.name) == name.lower())
            ).first()
            return None if row is None else record_from(OrganizationRecord, row)

    def add(self, name: str) -> OrganizationRecord:
        with self._sessions() as session:
            self._check_name_free(session, name, None)
            row = Organization(name=name, byo_twilio=False)
            session.add(row)
            self._commit(session, name)
            return record_from(OrganizationRecord, row)

    def rename(self, org_id: int, name: str) -> OrganizationRecord:
        def change(session: Session, row: Organization) -> None:
            self._check_name_free(session, name, org_id)
            row.name = name

        return self._update(org_id, change, name)

    def remove(self, org_id: int) -> None:
        """Delete the organization; its numbers go with it (cascade), journal entries stay."""
        with self._sessions() as session:
            session.delete(self._load(session, org_id))
            session.commit()

    def set_mode(self, org_id: int, byo: bool) -> OrganizationRecord:
        def change(_session: Session, row: Organization) -> None:
            row.byo_twilio = byo

        return self._update(org_id, change)

    def set_connected(
        self,
        org_id: int,
        *,
        account_sid: str,
        credential_kind: str,
        api_key_sid: str | None,
        friendly_name: str | None,
        status: str | None,
        account_type: str | None,
    ) -> OrganizationRecord:
        """Record a validated BYO connection (the secret itself is in the keychain)."""

        def change(_session: Session, row: Organization) -> None:
            row.twilio_account_sid = account_sid
            row.credential_kind = credential_kind
            row.api_key_sid = api_key_sid
            row.account_friendly_name = friendly_name
            row.account_status = status
            row.account_type = account_type
            row.credentials_verified_at = utcnow()

        return self._update(org_id, change)

    def clear_connection(self, org_id: int) -> OrganizationRecord:
        """Forget the connection details. `byo_twilio` stays as it was: an organization that
        uses its own account must show "not connected", never fall back to the shared one."""

        def change(_session: Session, row: Organization) -> None:
            row.twilio_account_sid = None
            row.credential_kind = None
            row.api_key_sid = None
            row.account_friendly_name = None
            row.account_status = None
            row.account_type = None
            row.credentials_verified_at = None

        return self._update(org_id, change)

    def set_voice_url(self, org_id: int, voice_url: str | None) -> OrganizationRecord:
        """None -> use the default voice URL from settings."""

        def change(_session: Session, row: Organization) -> None:
            row.voice_url = voice_url or None

        return self._update(org_id, change)

    def set_events_url(self, org_id: int, events_url: str | None) -> OrganizationRecord:
        """Where Event Streams deliver this organization's events; None -> the default."""

        def change(_session: Session, row: Organization) -> None:
            row.events_url = events_url or None

        return self._update(org_id, change)

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _load(session: Session, org_id: int) -> Organization:
        row = session.get(Organization, org_id)
        if row is None:
            raise RecordNotFound(f"Organization #{org_id} no longer exists.")
        return row

    @staticmethod
    def _check_name_free(session: Session, name: str, own_id: int | None) -> None:
        query = select(Organization.id).where(func.lower(Organization.name) == name.lower())
        if own_id is not None:
            query = query.where(Organization.id != own_id)
        if session.scalars(query).first() is not None:
            raise _duplicate(name)

    @staticmethod
    def _commit(session: Session, name: str | None) -> None:
        try:
            session.commit()
        except IntegrityError:
            # Lost a race with another writer of a shared database.
            session.rollback()
            if name is None:
                raise
            raise _duplicate(name) from None

    def _update(
        self,
        org_id: int,
        change: Callable[[Session, Organization], None],
        name: str | None = None,
    ) -> OrganizationRecord:
        with self._sessions() as session:
            row = self._load(session, org_id)
            change(session, row)
            row.updated_at = utcnow()
            self._commit(session, name)
            return record_from(OrganizationRecord, row)
