"""municipality follow-ups: why a municipality is not reached in a year, what follows (Q2b/c)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "municipality_follow_ups",
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "reason", sa.String(length=40), nullable=False, comment="domain.follow_up.Reason"
        ),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("initiative", sa.Text(), nullable=True),
        sa.Column("no_initiative_reason", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nis_code", "year", name=op.f("pk_municipality_follow_ups")),
    )
    op.create_index(
        "ix_municipality_follow_ups_year", "municipality_follow_ups", ["year"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_municipality_follow_ups_year", table_name="municipality_follow_ups")
    op.drop_table("municipality_follow_ups")
