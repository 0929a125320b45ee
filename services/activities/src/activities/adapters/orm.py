"""The service's own tables (SQLAlchemy Core). The outbox and inbox come from stemkit."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Index, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from stemkit.db import NAMING

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
