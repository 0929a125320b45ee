"""state copies (academies, recognition, roles, municipalities, occurrences), reach per
postal code, parameter overrides, calculation runs

`activity_years` gives way to `activity_occurrences` (a date per occurrence, for the
recognition on that date) and `reach_evidence` gains the postal code. Old rows cannot be
converted (dates and postal codes were not kept): after this revision, rebuild the state
from the topics (`python -m subsidy.entrypoints.cli rebuild`).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("postal_code", sa.String(length=4), nullable=True))
        batch.add_column(
            sa.Column(
                "theme_ids", sa.Text(), nullable=True, comment="JSON list of UiTdatabank theme ids"
            )
        )
        batch.add_column(sa.Column("age_min", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("age_max", sa.Integer(), nullable=True))
    op.create_index("ix_activities_academy_id", "activities", ["academy_id"], unique=False)
    op.drop_table("activity_years")
    op.create_table(
        "activity_occurrences",
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False, comment="start date in Brussels time"),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("nis_code", sa.String(length=5), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.activity_id"],
            name=op.f("fk_activity_occurrences_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "seq", name=op.f("pk_activity_occurrences")),
    )
    op.drop_index("ix_reach_evidence_activity_id", table_name="reach_evidence")
    op.drop_table("reach_evidence")
    op.execute("DELETE FROM reach")
    op.create_table(
        "reach_evidence",
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("postal_code", sa.String(length=4), nullable=False, comment="'' when unknown"),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "academy_id",
            "year",
            "nis_code",
            "postal_code",
            "activity_id",
            name=op.f("pk_reach_evidence"),
        ),
    )
    op.create_index("ix_reach_evidence_activity_id", "reach_evidence", ["activity_id"])
    op.create_index("ix_reach_evidence_year", "reach_evidence", ["year"])
    op.create_table(
        "academies",
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("home_nis_code", sa.String(length=5), nullable=True),
        sa.Column("fixed_nis_code", sa.String(length=5), nullable=True),
        sa.Column("fixed_postal_code", sa.String(length=4), nullable=True),
        sa.PrimaryKeyConstraint("academy_id", name=op.f("pk_academies")),
    )
    op.create_table(
        "recognition_decisions",
        sa.Column("decision_id", sa.String(length=64), nullable=False),
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_recognition_decisions")),
    )
    op.create_index("ix_recognition_decisions_academy_id", "recognition_decisions", ["academy_id"])
    op.create_table(
        "academy_roles",
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("academy_id", "year", "role", name=op.f("pk_academy_roles")),
    )
    op.create_table(
        "municipalities",
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("name_nl", sa.String(length=128), nullable=False),
        sa.Column("province_nl", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("merged_into_nis", sa.String(length=5), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("nis_code", name=op.f("pk_municipalities")),
    )
    op.create_table(
        "municipality_postal_codes",
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("postal_code", sa.String(length=4), nullable=False),
        sa.PrimaryKeyConstraint(
            "nis_code", "postal_code", name=op.f("pk_municipality_postal_codes")
        ),
    )
    op.create_table(
        "parameter_overrides",
        sa.Column("override_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False, comment="JSON"),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("override_id", name=op.f("pk_parameter_overrides")),
    )
    op.create_table(
        "calculation_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False, comment="api | debounced"),
        sa.Column("rules_version", sa.String(length=64), nullable=False),
        sa.Column(
            "watermark", sa.String(length=128), nullable=False, comment="input state the run saw"
        ),
        sa.Column("result", sa.Text(), nullable=False, comment="the whole result, JSON"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_calculation_runs")),
    )
    op.create_index("ix_calculation_runs_year", "calculation_runs", ["year"])
    op.create_table(
        "dirty_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_dirty_years")),
    )


def downgrade() -> None:
    for table in (
        "dirty_years",
        "calculation_runs",
        "parameter_overrides",
        "municipality_postal_codes",
        "municipalities",
        "academy_roles",
        "recognition_decisions",
        "academies",
        "reach_evidence",
        "activity_occurrences",
    ):
        op.drop_table(table)
    op.execute("DELETE FROM reach")
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
    op.create_index("ix_reach_evidence_activity_id", "reach_evidence", ["activity_id"])
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
    op.drop_index("ix_activities_academy_id", table_name="activities")
    with op.batch_alter_table("activities") as batch:
        for column in ("age_max", "age_min", "theme_ids", "postal_code"):
            batch.drop_column(column)
