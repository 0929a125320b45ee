"""The service's own tables (SQLAlchemy Core). The outbox and inbox come from stemkit."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB

from stemkit.ops.audit import audit_table
from stemkit.storage.db import NAMING

metadata = MetaData(naming_convention=NAMING)

_JSON = JSON().with_variant(JSONB(), "postgresql")

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(64), primary_key=True, comment="UiTdatabank event id"),
    Column("snapshot", _JSON, nullable=False, comment="the ActivitySnapshot payload"),
    # Copies of snapshot fields that queries select on.
    Column("organizer_id", String(64), nullable=True, index=True),
    Column("postal_code", String(16), nullable=True, index=True),
    Column("modified", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("place_id", String(64), nullable=True, index=True),
    Column("academy_id", String(64), nullable=True, index=True),
    Column("nis_code", String(5), nullable=True, index=True),
    Column("sort_start", DateTime(timezone=True), nullable=True, comment="first start; keyset"),
    Column("age_min", Integer, nullable=True),
    Column("age_max", Integer, nullable=True),
    Column("search_text", Text, nullable=True, comment="folded name and locality"),
    Column(
        "listed", Boolean, nullable=False, server_default=false(), comment="public, not withdrawn"
    ),
    Column("available_to", DateTime(timezone=True), nullable=True),
)
Index(
    "ix_activities_listing", activities.c.listed, activities.c.sort_start, activities.c.activity_id
)

activity_occurrences = Table(
    "activity_occurrences",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("start", DateTime(timezone=True), nullable=False, index=True),
    Column("end", DateTime(timezone=True), nullable=True),
    Column("nis_code", String(5), nullable=True, index=True),
)

activity_themes = Table(
    "activity_themes",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("theme_id", String(64), primary_key=True, index=True),
)

# Every signed webhook delivery, raw, before and whatever its processing: the id makes
# retries harmless, and the body lets a later (asynchronous) processor or an operator
# replay it.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("webhook_id", String(255), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, comment="received | processed | failed"),
    Column("error", Text, nullable=True),
    Column("activity_id", String(64), nullable=True),
    Column("processed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("source", String(16), nullable=True, comment="webhook | poller | backfill"),
    Column("kind", String(16), nullable=True, comment="event | place | organizer"),
    # A worker claims due deliveries for a while (a lease) before it fetches them, so two
    # workers never fetch or settle the same one (ADR 0018); expired claims are free again.
    Column("claimed_by", String(128), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
)
Index("ix_webhook_deliveries_status", webhook_deliveries.c.status, webhook_deliveries.c.received_at)

# This service's copy of the registry's reference data (stem.registry.municipality.v1).
municipalities = Table(
    "municipalities",
    metadata,
    Column("nis_code", String(5), primary_key=True),
    Column("name_nl", String(255), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("province_nl", String(255), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("boundary", _JSON, nullable=True, comment="GeoJSON geometry (WGS84) of its period"),
    Column("merged_into_nis", String(5), nullable=True, comment="Successor after a merger"),
)

# One row: changes whenever a municipality row does, so a process knows when the boundary
# index it built (once) is stale.
municipality_copy_version = Table(
    "municipality_copy_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", String(32), nullable=False),
)

municipality_postal_codes = Table(
    "municipality_postal_codes",
    metadata,
    Column("postal_code", String(16), primary_key=True),
    Column("nis_code", String(5), primary_key=True),
)

# This service's copy of which academy each UiT organizer belongs to (stem.registry.academy.v1).
academy_organizers = Table(
    "academy_organizers",
    metadata,
    Column("organizer_id", String(64), primary_key=True),
    Column("academy_id", String(64), nullable=False),
)

# UiTdatabank places and organizers, from their own documents (pushed or polled): newer
# than what events embed, and the way to duplicate places' canonical place.
places = Table(
    "places",
    metadata,
    Column("place_id", String(64), primary_key=True),
    Column("canonical_id", String(64), nullable=True),
    Column("location", _JSON, nullable=False, comment="the place's address and coordinates"),
    Column("modified", DateTime(timezone=True), nullable=True),
    Column("deleted", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

organizers = Table(
    "organizers",
    metadata,
    Column("organizer_id", String(64), primary_key=True),
    Column("name", Text, nullable=True),
    Column("modified", DateTime(timezone=True), nullable=True),
    Column("deleted", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The Search API poller's `modified` cursor per kind (events, places, organizers).
poll_cursors = Table(
    "poll_cursors",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("cursor", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Leases: one holder at a time per name (the poller: one active replica, ADR 0018).
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The poller's history pull per organizer linked to an academy (issue 15): its events from
# its own cursor until caught up (`caught_up_at`), then the event kind's cursor covers it.
organizer_history = Table(
    "organizer_history",
    metadata,
    Column("organizer_id", String(64), primary_key=True),
    Column("cursor", DateTime(timezone=True), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("caught_up_at", DateTime(timezone=True), nullable=True, comment="null: pending"),
)

# Who did what to the quarantine and the parked outbox rows, when, before and after, and why
# (stemkit.ops.audit; issue 21, ADR 0020).
audit_log = audit_table(metadata)
