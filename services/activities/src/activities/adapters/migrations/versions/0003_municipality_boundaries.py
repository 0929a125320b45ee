"""municipality boundaries in the registry copy, and the copy's version

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:45:00.000000

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "municipality_copy_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality_copy_version")),
    )
    # A version of its own per database, so that no process mistakes another's index.
    op.execute(
        sa.text("INSERT INTO municipality_copy_version (id, version) VALUES (1, :v)").bindparams(
            v=uuid.uuid4().hex
        )
    )
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "boundary",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
                comment="GeoJSON geometry (WGS84) of its period",
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_column("boundary")
    op.drop_table("municipality_copy_version")
