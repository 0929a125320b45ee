"""activities: the registry copy keeps each municipality's successor after a merger

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00.000000

Postal codes are published for the 2025 NIS codes only; before 2025 a merged municipality's
postal code stands for the municipalities merged into it (`stemkit.domain.places`), which this
column finds. Rows copied before it have no successor until the registry's municipality
events are read again: the registry announces them all again with
`registry load-reference --announce-all`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "merged_into_nis",
                sa.String(length=5),
                nullable=True,
                comment="Successor after a merger",
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_column("merged_into_nis")
