"""initial: activities copy, reach, evidence, outbox, inbox

Written for SQLite and PostgreSQL alike (no dialect-specific types).

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:40:44.796560
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("academy_id", sa.String(length=64), nullable=True),
        sa.Column("nis_code", sa.String(length=5), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, comment="left the STEM-kalender"),
        sa.Column(
            "modified", sa.DateTime(timezone=True), nullable=False, comment="UiTdatabank modified"
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activities")),
    )
    op.create_table(
        "reach",
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("academy_id", "year", "nis_code", name=op.f("pk_reach")),
    )
    op.create_table(
        "reach_evidence",
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "academy_id", "year", "nis_code", "activity_id", name=op.f("pk_reach_evidence")
        ),
    )
    op.create_index(
        "ix_reach_evidence_activity_id", "reach_evidence", ["activity_id"], unique=False
    )

    op.create_table(
        "activity_years",
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.activity_id"],
            name=op.f("fk_activity_years_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "year", name=op.f("pk_activity_years")),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="publish order",
        ),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False, comment="the CloudEvent, structured JSON"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox")

    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("activity_years")
    op.drop_index("ix_reach_evidence_activity_id", table_name="reach_evidence")

    op.drop_table("reach_evidence")
    op.drop_table("reach")
    op.drop_table("activities")
