"""municipalities: whether each was announced with its boundary

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:52:00.000000

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows already there were announced without a boundary: false, so that the next
    # `load-reference` announces them again, now with it.
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "boundary_announced",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="announced with its boundary (rows loaded before that: not yet)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_column("boundary_announced")
