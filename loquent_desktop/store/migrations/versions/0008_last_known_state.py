"""Last known state for offline views: what Loquent last read from Twilio about an
organization's numbers (owned numbers, voice configurations), with when and from which
account, so the Numbers and Voice routing tabs can show it when Twilio cannot be reached.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "last_known_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_last_known_state_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_last_known_state")),
        sa.UniqueConstraint(
            "organization_id", "kind", name=op.f("uq_last_known_state_organization_id_kind")
        ),
    )


def downgrade() -> None:
    op.drop_table("last_known_state")
