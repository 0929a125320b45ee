"""The service's own tables (SQLAlchemy Core). The outbox and inbox come from stemkit."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from stemkit.ops.audit import audit_table
from stemkit.storage.db import service_metadata

metadata = service_metadata()

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", sa.String(64), primary_key=True, comment="UiTdatabank event id"),
    sa.Column("snapshot", _JSON, nullable=False, comment="the ActivitySnapshot payload"),
    # Copies of snapshot fields that queries select on.
    sa.Column("organizer_id", sa.String(64), nullable=True, index=True),
    sa.Column("postal_code", sa.String(16), nullable=True, index=True),
    sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("place_id", sa.String(64), nullable=True, index=True),
    sa.Column("academy_id", sa.String(64), nullable=True, index=True),
    sa.Column("nis_code", sa.String(5), nullable=True, index=True),
    sa.Column(
        "sort_start", sa.DateTime(timezone=True), nullable=True, comment="first start; keyset"
    ),
    sa.Column("age_min", sa.Integer, nullable=True),
    sa.Column("age_max", sa.Integer, nullable=True),
    sa.Column("search_text", sa.Text, nullable=True, comment="folded name and locality"),
    sa.Column(
        "listed",
        sa.Boolean,
        nullable=False,
        server_default=sa.false(),
        comment="public, not withdrawn",
    ),
    sa.Column("available_to", sa.DateTime(timezone=True), nullable=True),
)
sa.Index(
    "ix_activities_listing", activities.c.listed, activities.c.sort_start, activities.c.activity_id
)

activity_occurrences = sa.Table(
    "activity_occurrences",
    metadata,
    sa.Column("activity_id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("start", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("end", sa.DateTime(timezone=True), nullable=True),
    sa.Column("nis_code", sa.String(5), nullable=True, index=True),
)

activity_themes = sa.Table(
    "activity_themes",
    metadata,
    sa.Column("activity_id", sa.String(64), primary_key=True),
    sa.Column("theme_id", sa.String(64), primary_key=True, index=True),
)

# Every signed webhook delivery, raw, before and whatever its processing: the id makes
# retries harmless, and the body lets a later (asynchronous) processor or an operator
# replay it.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("webhook_id", sa.String(255), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, comment="received | processed | failed"),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("activity_id", sa.String(64), nullable=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("source", sa.String(16), nullable=True, comment="webhook | poller | backfill"),
    sa.Column("kind", sa.String(16), nullable=True, comment="event | place | organizer"),
    # A worker claims due deliveries for a while (a lease) before it fetches them, so two
    # workers never fetch or settle the same one (ADR 0018); expired claims are free again.
    sa.Column("claimed_by", sa.String(128), nullable=True),
    sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
)
sa.Index(
    "ix_webhook_deliveries_status", webhook_deliveries.c.status, webhook_deliveries.c.received_at
)

# This service's copy of the registry's reference data (stem.registry.municipality.v1).
municipalities = sa.Table(
    "municipalities",
    metadata,
    sa.Column("nis_code", sa.String(5), primary_key=True),
    sa.Column("name_nl", sa.String(255), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("province_nl", sa.String(255), nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("boundary", _JSON, nullable=True, comment="GeoJSON geometry (WGS84) of its period"),
    sa.Column("merged_into_nis", sa.String(5), nullable=True, comment="Successor after a merger"),
)

# One row: changes whenever a municipality row does, so a process knows when the boundary
# index it built (once) is stale.
municipality_copy_version = sa.Table(
    "municipality_copy_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.String(32), nullable=False),
)

municipality_postal_codes = sa.Table(
    "municipality_postal_codes",
    metadata,
    sa.Column("postal_code", sa.String(16), primary_key=True),
    sa.Column("nis_code", sa.String(5), primary_key=True),
)

# This service's copy of which academy each UiT organizer belongs to (stem.registry.academy.v1).
academy_organizers = sa.Table(
    "academy_organizers",
    metadata,
    sa.Column("organizer_id", sa.String(64), primary_key=True),
    sa.Column("academy_id", sa.String(64), nullable=False),
)

# UiTdatabank places and organizers, from their own documents (pushed or polled): newer
# than what events embed, and the way to duplicate places' canonical place.
places = sa.Table(
    "places",
    metadata,
    sa.Column("place_id", sa.String(64), primary_key=True),
    sa.Column("canonical_id", sa.String(64), nullable=True),
    sa.Column("location", _JSON, nullable=False, comment="the place's address and coordinates"),
    sa.Column("modified", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

organizers = sa.Table(
    "organizers",
    metadata,
    sa.Column("organizer_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("modified", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# The Search API poller's `modified` cursor per kind (events, places, organizers).
poll_cursors = sa.Table(
    "poll_cursors",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("cursor", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Leases: one holder at a time per name (the poller: one active replica, ADR 0018).
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# The poller's history pull per organizer linked to an academy (issue 15): its events from
# its own cursor until caught up (`caught_up_at`), then the event kind's cursor covers it.
organizer_history = sa.Table(
    "organizer_history",
    metadata,
    sa.Column("organizer_id", sa.String(64), primary_key=True),
    sa.Column("cursor", sa.DateTime(timezone=True), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("caught_up_at", sa.DateTime(timezone=True), nullable=True, comment="null: pending"),
)

# Who did what to the quarantine and the parked outbox rows, when, before and after, and why
# (stemkit.ops.audit; issue 21, ADR 0020).
audit_log = audit_table(metadata)
