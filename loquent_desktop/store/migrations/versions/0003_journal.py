"""The journal of account changes gets its own name: audit_entry becomes journal_entry.

Created as a new table and filled from the old one, so every row (and its id, which History
links used) is kept on SQLite and PostgreSQL alike, and the constraint and index names follow
the naming convention of the new name.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "id, organization_id, organization_name, action, title, plan, outcome, error, result, "
    "created_at, finished_at"
)


def _create(name: str) -> None:
    op.create_table(
        name,
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
            name=op.f(f"fk_{name}_organization_id_organization"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f(f"ix_{name}_organization_id"), ["organization_id"], unique=False
        )


def _move(source: str, target: str) -> None:
    _create(target)
    op.execute(f"INSERT INTO {target} ({_COLUMNS}) SELECT {_COLUMNS} FROM {source}")
    op.drop_table(source)
    if op.get_bind().dialect.name == "postgresql":
        # The copied ids came with the rows; the new table's sequence must start after them.
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {target}), 0) + 1, false)"
        )


def upgrade() -> None:
    _move("audit_entry", "journal_entry")


def downgrade() -> None:
    _move("journal_entry", "audit_entry")
