"""activities: the text search (`search_text LIKE '%…%'`) on a pg_trgm GIN index, PostgreSQL only

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:15:00.000000

A `LIKE '%robot%'` cannot use a B-tree: without this index every text search read the whole
activities table (issue 17). pg_trgm splits the folded text into trigrams; its GIN index
answers LIKE (with our ESCAPE) for needles of three characters or more. pg_trgm is a
trusted extension (PostgreSQL 13+): the database's owner may create it. SQLite has no such
index and keeps its scan (a development database). The ORM (`adapters/orm.py`) does not
declare this index: it exists on PostgreSQL only, made here.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_activities_search_text_trgm"


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON activities USING gin (search_text gin_trgm_ops)"
    )


def downgrade() -> None:
    """Downgrade schema. The extension stays: other objects may use it."""
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
