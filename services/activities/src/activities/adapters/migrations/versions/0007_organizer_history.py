"""activities: the poller's history pull per organizer linked later (issue 15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:05:00.000000

The poller's cursor per kind only reads forward: an organizer linked to an academy later
had its older events never fetched. A row here asks for its whole history (from its own
cursor), until caught up; then the kind's cursor covers it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "organizer_history",
        sa.Column("organizer_id", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "caught_up_at", sa.DateTime(timezone=True), nullable=True, comment="null: pending"
        ),
        sa.PrimaryKeyConstraint("organizer_id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("organizer_history")
