"""Initial: academies and their organizer ids, municipalities, postal codes, outbox, inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "academies",
        sa.Column("id", sa.String(36), nullable=False, comment="UUID, as text on every database"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("home_nis_code", sa.String(5), nullable=True),
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_academies")),
    )
    op.create_table(
        "academy_organizers",
        sa.Column("organizer_id", sa.String(64), nullable=False, comment="normalised: lower case"),
        sa.Column("academy_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["academy_id"],
            ["academies.id"],
            name=op.f("fk_academy_organizers_academy_id_academies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organizer_id", name=op.f("pk_academy_organizers")),
    )
    op.create_index(op.f("ix_academy_organizers_academy_id"), "academy_organizers", ["academy_id"])
    op.create_table(
        "municipalities",
        sa.Column("nis_code", sa.String(5), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("name_nl", sa.String(100), nullable=False),
        sa.Column("province_nl", sa.String(50), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True, comment="last day valid; null while valid"),
        sa.Column("merged_into_nis", sa.String(5), nullable=True),
        sa.PrimaryKeyConstraint("nis_code", "valid_from", name=op.f("pk_municipalities")),
    )
    op.create_index("ix_municipalities_validity", "municipalities", ["valid_from", "valid_to"])
    op.create_table(
        "postal_codes",
        sa.Column("postal_code", sa.String(4), nullable=False),
        sa.Column("nis_code", sa.String(5), nullable=False),
        sa.PrimaryKeyConstraint("postal_code", "nis_code", name=op.f("pk_postal_codes")),
    )
    op.create_index(op.f("ix_postal_codes_nis_code"), "postal_codes", ["nis_code"])

    # The platform's outbox and inbox (stemkit.storage.db), as of this revision.
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="publish order",
        ),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False, comment="the CloudEvent, structured JSON"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "seq"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(128), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_postal_codes_nis_code"), table_name="postal_codes")
    op.drop_table("postal_codes")
    op.drop_index("ix_municipalities_validity", table_name="municipalities")
    op.drop_table("municipalities")
    op.drop_index(op.f("ix_academy_organizers_academy_id"), table_name="academy_organizers")
    op.drop_table("academy_organizers")
    op.drop_table("academies")
