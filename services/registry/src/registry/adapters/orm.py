"""The registry's tables (SQLAlchemy Core) on its own MetaData.

The outbox and inbox live on `stemkit.storage.db.metadata`; Alembic migrates both together.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from stemkit.ops.audit import audit_table
from stemkit.storage.db import NAMING

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
    Column("enterprise_number", String(10), nullable=True, comment="KBO, 10 digits"),
    Column("website", String(300), nullable=True),
    Column("contact_email", String(254), nullable=True),
    Column("stem_partnership", String(200), nullable=True),
    Column("fixed_site", Boolean, nullable=False, server_default=false()),
    Column("fixed_nis_code", String(5), nullable=True),
    Column("fixed_postal_code", String(4), nullable=True),
    Column("fixed_address", String(300), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=True),
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
    Column(
        "boundary_announced",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="announced with its boundary (rows loaded before that: not yet)",
    ),
)
Index("ix_municipalities_validity", municipalities.c.valid_from, municipalities.c.valid_to)

# Statbel's table as valid from 2025: the NIS codes are 2025 codes (see reference_data/).
postal_codes = Table(
    "postal_codes",
    metadata,
    Column("postal_code", String(4), primary_key=True),
    Column("nis_code", String(5), primary_key=True, index=True),
)


def _academy_id() -> Column[str]:
    return Column(
        "academy_id", String(36), ForeignKey("academies.id", ondelete="CASCADE"), nullable=False
    )


# Every recognition decision is kept; the newest (highest sequence) is the current status.
# The unique sequence per academy makes two concurrent decisions on one academy conflict
# instead of both applying to the same previous status.
recognition_decisions = Table(
    "recognition_decisions",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    _academy_id(),
    Column("sequence", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True, comment="last day; null when open-ended"),
    Column("reason", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("academy_id", "sequence"),
)

academy_roles = Table(
    "academy_roles",
    metadata,
    Column(
        "academy_id", String(36), ForeignKey("academies.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("year", Integer, primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
)

# A correction is a new row that names the row it corrects (`supersedes`); the corrected row
# gets `superseded_by`, so the history stays and the current report has none. `quarter` 0 is
# the whole year (a real value, so it can sit in an index, unlike NULL).
participant_reports = Table(
    "participant_reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    _academy_id(),
    Column("year", Integer, nullable=False),
    Column("quarter", Integer, nullable=False, comment="1-4, or 0 for the whole year"),
    Column("participants", Integer, nullable=False),
    Column("under_14", Integer, nullable=True),
    Column("from_14", Integer, nullable=True),
    Column("supersedes", String(36), nullable=True, unique=True),
    Column("superseded_by", String(36), nullable=True),
    Column("reported_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index(
    "ix_participant_reports_period",
    participant_reports.c.academy_id,
    participant_reports.c.year,
    participant_reports.c.quarter,
)

# Why a municipality is not reached in a year and what follows (Q2b/c): one row per
# municipality and year, replaced when ops record it again. No foreign key to
# municipalities, as for academies: the service layer checks the code is valid that year.
municipality_follow_ups = Table(
    "municipality_follow_ups",
    metadata,
    Column("nis_code", String(5), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("reason", String(40), nullable=False, comment="domain.follow_up.Reason"),
    Column("explanation", Text, nullable=True),
    Column("initiative", Text, nullable=True),
    Column("no_initiative_reason", Text, nullable=True),
    Column("author", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_municipality_follow_ups_year", municipality_follow_ups.c.year)

# Who changed what, when, before and after, and why (stemkit.ops.audit; issue 21).
audit_log = audit_table(metadata)

# Organizer ids an academy's coordinator asked to link (issue 21): pending until ops confirm
# (then linked like any organizer id of the academy) or reject them.
organizer_link_requests = Table(
    "organizer_link_requests",
    metadata,
    Column("request_id", String(36), primary_key=True),
    _academy_id(),
    Column("organizer_id", String(64), nullable=False, comment="normalised: lower case"),
    Column("status", String(16), nullable=False, comment="pending | confirmed | rejected"),
    Column("note", Text, nullable=True),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
)
Index(
    "ix_organizer_link_requests_academy",
    organizer_link_requests.c.academy_id,
    organizer_link_requests.c.status,
)
