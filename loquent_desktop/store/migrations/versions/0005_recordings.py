"""Recordings: call recordings synced from Twilio's Recordings list, and Loquent's own
recording setting per organization.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=True),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("conference_sid", sa.String(length=34), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("recording_source", sa.String(length=40), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("price", sa.String(length=20), nullable=True),
        sa.Column("price_unit", sa.String(length=8), nullable=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_recording_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording")),
        sa.UniqueConstraint(
            "organization_id", "sid", name=op.f("uq_recording_organization_id_sid")
        ),
    )
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_call_sid"), ["call_sid"], unique=False)
        batch_op.create_index(batch_op.f("ix_recording_start_time"), ["start_time"], unique=False)
    op.create_table(
        "recording_setting",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_recording_setting_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_recording_setting")),
    )


def downgrade() -> None:
    op.drop_table("recording_setting")
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_start_time"))
        batch_op.drop_index(batch_op.f("ix_recording_call_sid"))
    op.drop_table("recording")
