"""Initial schema: organization, phone_number, audit_entry.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 10:36:31.348574
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("keychain_id", sa.String(length=32), nullable=False),
        sa.Column("byo_twilio", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("twilio_account_sid", sa.String(length=34), nullable=True),
        sa.Column("credential_kind", sa.String(length=20), nullable=True),
        sa.Column("api_key_sid", sa.String(length=34), nullable=True),
        sa.Column("account_friendly_name", sa.String(length=300), nullable=True),
        sa.Column("account_status", sa.String(length=20), nullable=True),
        sa.Column("account_type", sa.String(length=20), nullable=True),
        sa.Column("credentials_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voice_url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("keychain_id", name=op.f("uq_organization_keychain_id")),
        sa.UniqueConstraint("name", name=op.f("uq_organization_name")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("organization_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_audit_entry_organization_id_organization"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_entry_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "phone_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("friendly_name", sa.String(length=300), nullable=True),
        sa.Column("capabilities", sa.JSON(), nullable=True),
        sa.Column("iso_country", sa.String(length=2), nullable=True),
        sa.Column("address_requirements", sa.String(length=20), nullable=True),
        sa.Column("voice_url", sa.Text(), nullable=True),
        sa.Column("voice_method", sa.String(length=10), nullable=True),
        sa.Column("voice_fallback_url", sa.Text(), nullable=True),
        sa.Column("voice_fallback_method", sa.String(length=10), nullable=True),
        sa.Column("voice_application_sid", sa.String(length=34), nullable=True),
        sa.Column("trunk_sid", sa.String(length=34), nullable=True),
        sa.Column("status_callback", sa.Text(), nullable=True),
        sa.Column("status_callback_method", sa.String(length=10), nullable=True),
        sa.Column("sms_url", sa.Text(), nullable=True),
        sa.Column("sms_method", sa.String(length=10), nullable=True),
        sa.Column("sms_application_sid", sa.String(length=34), nullable=True),
        sa.Column("date_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("previous_voice_url", sa.Text(), nullable=True),
        sa.Column("previous_voice_method", sa.String(length=10), nullable=True),
        sa.Column("previous_voice_fallback_url", sa.Text(), nullable=True),
        sa.Column("previous_voice_fallback_method", sa.String(length=10), nullable=True),
        sa.Column("previous_voice_application_sid", sa.String(length=34), nullable=True),
        sa.Column("previous_trunk_sid", sa.String(length=34), nullable=True),
        sa.Column("previous_status_callback", sa.Text(), nullable=True),
        sa.Column("previous_status_callback_method", sa.String(length=10), nullable=True),
        sa.Column("previous_date_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snapshot_taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("routed_to_loquent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_phone_number_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_number")),
        sa.UniqueConstraint(
            "organization_id", "sid", name=op.f("uq_phone_number_organization_id_sid")
        ),
    )


def downgrade() -> None:
    op.drop_table("phone_number")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_organization_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_created_at"))

    op.drop_table("audit_entry")
    op.drop_table("organization")
