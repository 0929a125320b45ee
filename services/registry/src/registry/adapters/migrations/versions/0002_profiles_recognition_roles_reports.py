"""Academy profiles; recognition decisions, roles per year, participant reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROFILE = (
    ("enterprise_number", sa.String(10), "KBO, 10 digits"),
    ("website", sa.String(300), None),
    ("contact_email", sa.String(254), None),
    ("stem_partnership", sa.String(200), None),
    ("fixed_nis_code", sa.String(5), None),
    ("fixed_postal_code", sa.String(4), None),
    ("fixed_address", sa.String(300), None),
    ("updated_at", sa.DateTime(timezone=True), None),
)


def _academy_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["academy_id"],
        ["academies.id"],
        name=op.f(f"fk_{table}_academy_id_academies"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("academies") as batch:
        for name, type_, comment in _PROFILE:
            batch.add_column(sa.Column(name, type_, nullable=True, comment=comment))
        batch.add_column(
            sa.Column("fixed_site", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "recognition_decisions",
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("academy_id", sa.String(36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column(
            "valid_until", sa.Date(), nullable=True, comment="last day; null when open-ended"
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _academy_fk("recognition_decisions"),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_recognition_decisions")),
        sa.UniqueConstraint(
            "academy_id", "sequence", name=op.f("uq_recognition_decisions_academy_id")
        ),
    )
    op.create_table(
        "academy_roles",
        sa.Column("academy_id", sa.String(36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        _academy_fk("academy_roles"),
        sa.PrimaryKeyConstraint("academy_id", "year", "role", name=op.f("pk_academy_roles")),
    )
    op.create_table(
        "participant_reports",
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("academy_id", sa.String(36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False, comment="1-4, or 0 for the whole year"),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("under_14", sa.Integer(), nullable=True),
        sa.Column("from_14", sa.Integer(), nullable=True),
        sa.Column("supersedes", sa.String(36), nullable=True),
        sa.Column("superseded_by", sa.String(36), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _academy_fk("participant_reports"),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_participant_reports")),
        sa.UniqueConstraint("supersedes", name=op.f("uq_participant_reports_supersedes")),
    )
    op.create_index(
        "ix_participant_reports_period", "participant_reports", ["academy_id", "year", "quarter"]
    )


def downgrade() -> None:
    op.drop_index("ix_participant_reports_period", table_name="participant_reports")
    op.drop_table("participant_reports")
    op.drop_table("academy_roles")
    op.drop_table("recognition_decisions")
    with op.batch_alter_table("academies") as batch:
        batch.drop_column("fixed_site")
        for name, _type, _comment in reversed(_PROFILE):
            batch.drop_column(name)
