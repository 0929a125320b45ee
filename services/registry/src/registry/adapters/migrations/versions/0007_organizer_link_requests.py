"""organizer link requests: organizer ids a coordinator asked to link, pending ops (issue 21)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:20:00.000000

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
        "organizer_link_requests",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("academy_id", sa.String(length=36), nullable=False),
        sa.Column(
            "organizer_id", sa.String(length=64), nullable=False, comment="normalised: lower case"
        ),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="pending | confirmed | rejected",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["academy_id"],
            ["academies.id"],
            name=op.f("fk_organizer_link_requests_academy_id_academies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_organizer_link_requests")),
    )
    op.create_index(
        "ix_organizer_link_requests_academy",
        "organizer_link_requests",
        ["academy_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_organizer_link_requests_academy", table_name="organizer_link_requests")
    op.drop_table("organizer_link_requests")
