"""The registry's tables (SQLAlchemy Core) on its own MetaData.

The outbox and inbox live on `stemkit.storage.db.metadata`; Alembic migrates both together.
"""

from __future__ import annotations

import sqlalchemy as sa

from stemkit.ops.audit import audit_table
from stemkit.storage.db import service_metadata

metadata = service_metadata()

academies = sa.Table(
    "academies",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True, comment="UUID, as text on every database"),
    sa.Column("name", sa.String(200), nullable=False),
    # No foreign key: a municipality's key is (nis_code, valid_from), and the academy names
    # the municipality, not one period of it. The service layer checks the code is known.
    sa.Column("home_nis_code", sa.String(5), nullable=True),
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("enterprise_number", sa.String(10), nullable=True, comment="KBO, 10 digits"),
    sa.Column("website", sa.String(300), nullable=True),
    sa.Column("contact_email", sa.String(254), nullable=True),
    sa.Column("stem_partnership", sa.String(200), nullable=True),
    sa.Column("fixed_site", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("fixed_nis_code", sa.String(5), nullable=True),
    sa.Column("fixed_postal_code", sa.String(4), nullable=True),
    sa.Column("fixed_address", sa.String(300), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
)

# One row per organizer id: the primary key makes "one organizer, at most one academy" hold
# even when two registrations race.
academy_organizers = sa.Table(
    "academy_organizers",
    metadata,
    sa.Column("organizer_id", sa.String(64), primary_key=True, comment="normalised: lower case"),
    sa.Column(
        "academy_id",
        sa.String(36),
        sa.ForeignKey("academies.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

municipalities = sa.Table(
    "municipalities",
    metadata,
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("valid_from", sa.Date, primary_key=True),
    sa.Column("name_nl", sa.String(100), nullable=False),
    sa.Column("province_nl", sa.String(50), nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True, comment="last day valid; null while valid"),
    sa.Column("merged_into_nis", sa.String(5), nullable=True),
    sa.Column(
        "boundary_announced",
        sa.Boolean,
        nullable=False,
        server_default=sa.false(),
        comment="announced with its boundary (rows loaded before that: not yet)",
    ),
)
sa.Index("ix_municipalities_validity", municipalities.c.valid_from, municipalities.c.valid_to)

# Statbel's table as valid from 2025: the NIS codes are 2025 codes (see reference_data/).
postal_codes = sa.Table(
    "postal_codes",
    metadata,
    sa.Column("postal_code", sa.String(4), primary_key=True),
    sa.Column("nis_code", sa.String(5), primary_key=True, index=True),
)


def _academy_id() -> sa.Column[str]:
    return sa.Column(
        "academy_id",
        sa.String(36),
        sa.ForeignKey("academies.id", ondelete="CASCADE"),
        nullable=False,
    )


# Every recognition decision is kept; the newest (highest sequence) is the current status.
# The unique sequence per academy makes two concurrent decisions on one academy conflict
# instead of both applying to the same previous status.
recognition_decisions = sa.Table(
    "recognition_decisions",
    metadata,
    sa.Column("decision_id", sa.String(36), primary_key=True),
    _academy_id(),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True, comment="last day; null when open-ended"),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("academy_id", "sequence"),
)

academy_roles = sa.Table(
    "academy_roles",
    metadata,
    sa.Column(
        "academy_id",
        sa.String(36),
        sa.ForeignKey("academies.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
)

# A correction is a new row that names the row it corrects (`supersedes`); the corrected row
# gets `superseded_by`, so the history stays and the current report has none. `quarter` 0 is
# the whole year (a real value, so it can sit in an index, unlike NULL).
participant_reports = sa.Table(
    "participant_reports",
    metadata,
    sa.Column("report_id", sa.String(36), primary_key=True),
    _academy_id(),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("quarter", sa.Integer, nullable=False, comment="1-4, or 0 for the whole year"),
    sa.Column("participants", sa.Integer, nullable=False),
    sa.Column("under_14", sa.Integer, nullable=True),
    sa.Column("from_14", sa.Integer, nullable=True),
    sa.Column("supersedes", sa.String(36), nullable=True, unique=True),
    sa.Column("superseded_by", sa.String(36), nullable=True),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index(
    "ix_participant_reports_period",
    participant_reports.c.academy_id,
    participant_reports.c.year,
    participant_reports.c.quarter,
)

# Why a municipality is not reached in a year and what follows (Q2b/c): one row per
# municipality and year, replaced when ops record it again. No foreign key to
# municipalities, as for academies: the service layer checks the code is valid that year.
municipality_follow_ups = sa.Table(
    "municipality_follow_ups",
    metadata,
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("reason", sa.String(40), nullable=False, comment="domain.follow_up.Reason"),
    sa.Column("explanation", sa.Text, nullable=True),
    sa.Column("initiative", sa.Text, nullable=True),
    sa.Column("no_initiative_reason", sa.Text, nullable=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_municipality_follow_ups_year", municipality_follow_ups.c.year)

# Who changed what, when, before and after, and why (stemkit.ops.audit; issue 21).
audit_log = audit_table(metadata)

# Organizer ids an academy's coordinator asked to link (issue 21): pending until ops confirm
# (then linked like any organizer id of the academy) or reject them.
organizer_link_requests = sa.Table(
    "organizer_link_requests",
    metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    _academy_id(),
    sa.Column("organizer_id", sa.String(64), nullable=False, comment="normalised: lower case"),
    sa.Column("status", sa.String(16), nullable=False, comment="pending | confirmed | rejected"),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
)
sa.Index(
    "ix_organizer_link_requests_academy",
    organizer_link_requests.c.academy_id,
    organizer_link_requests.c.status,
)
