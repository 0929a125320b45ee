"""The registry's tables (SQLAlchemy Core) on its own MetaData.

The outbox and inbox live on `stemkit.db.metadata`; Alembic migrates both together.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    false,
)

from stemkit.db import NAMING

metadata = MetaData(naming_convention=NAMING)

academies = Table(
    "academies",
    metadata,
    Column("id", String(36), primary_key=True, comment="UUID, as text on every database"),
    Column("name", String(200), nullable=False),
    # No foreign key: a municipality's key is (nis_code, valid_from), and the academy names
    # the municipality, not one period of it. The service layer checks the code is known.
    Column("home_nis_code", String(5), nullable=True),
    Column("demo", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per organizer id: the primary key makes "one organizer, at most one academy" hold
# even when two registrations race.
academy_organizers = Table(
    "academy_organizers",
    metadata,
    Column("organizer_id", String(64), primary_key=True, comment="normalised: lower case"),
    Column(
        "academy_id",
        String(36),
        ForeignKey("academies.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

municipalities = Table(
    "municipalities",
    metadata,
    Column("nis_code", String(5), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("name_nl", String(100), nullable=False),
    Column("province_nl", String(50), nullable=False),
    Column("valid_to", Date, nullable=True, comment="last day valid; null while valid"),
    Column("merged_into_nis", String(5), nullable=True),
)
Index("ix_municipalities_validity", municipalities.c.valid_from, municipalities.c.valid_to)

# Statbel's table as valid from 2025: the NIS codes are 2025 codes (see reference_data/).
postal_codes = Table(
    "postal_codes",
    metadata,
    Column("postal_code", String(4), primary_key=True),
    Column("nis_code", String(5), primary_key=True, index=True),
)
