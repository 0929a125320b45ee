"""activities: audit_log (issue 21, ADR 0020)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:00:00.000000

Who did what to the quarantine and the parked outbox rows, when, before and after, and
why (`stemkit.ops.audit`); the same table the registry and the subsidy service keep.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "subject", sa.String(length=200), nullable=False, comment="the authenticated actor"
        ),
        sa.Column("subject_name", sa.String(length=200), nullable=True),
        sa.Column("via", sa.String(length=40), nullable=False),
        sa.Column("academy_id", sa.String(length=36), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("before", sa.Text(), nullable=True, comment="JSON"),
        sa.Column("after", sa.Text(), nullable=True, comment="JSON"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_academy", "audit_log", ["academy_id", "recorded_at"], unique=False
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    op.drop_index("ix_audit_log_academy", table_name="audit_log")
    op.drop_table("audit_log")
