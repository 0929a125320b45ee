"""activities: the UiT audienceType (school-only activities follow their own reach rule)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema. Rows written before have no audience (everyone) until the activity
    changes or `cli rebuild` reads the snapshots again."""
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "audience",
                sa.String(length=16),
                nullable=True,
                comment="UiT audienceType; null: everyone",
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("audience")
