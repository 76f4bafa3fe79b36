"""History sync by date range: where each concurrently read date range of a sync's query
stands (`sync_range`), so a resumed run continues every range from its own next page.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_range",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_page_uri", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["sync_checkpoint.id"],
            name=op.f("fk_sync_range_checkpoint_id_sync_checkpoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_range")),
        sa.UniqueConstraint(
            "checkpoint_id", "step", "part", name=op.f("uq_sync_range_checkpoint_id_step_part")
        ),
    )


def downgrade() -> None:
    op.drop_table("sync_range")
