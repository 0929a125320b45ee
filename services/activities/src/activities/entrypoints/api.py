"""The HTTP app: `uvicorn --factory activities.entrypoints.api:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from activities.adapters.intake import Intake
from activities.bootstrap import open_database
from activities.config import SERVICE, Settings
from activities.entrypoints.dead_letter_routes import dead_letters_router
from activities.entrypoints.disagreements_routes import disagreements_router
from activities.entrypoints.ingestion_status_routes import ingestion_status_router
from activities.entrypoints.not_counted_routes import not_counted_router
from activities.entrypoints.quarantine_routes import quarantine_router
from activities.entrypoints.read_routes import read_router
from activities.entrypoints.summary_routes import summary_router
from activities.entrypoints.unknown_organizers_routes import unknown_organizers_router
from activities.entrypoints.webhook_routes import webhook_router
from activities.service_layer.audit import TRAIL
from stemkit.access.auth import OPS, READ, WRITE
from stemkit.access.door_check import check_every_door
from stemkit.http.service_app import service_app
from stemkit.logging import configure_logging
from stemkit.ops.audit_routes import audit_router
from stemkit.ops.outbox_parked_routes import parked_outbox_router

# Public, each with its own check: the UiTdatabank webhook verifies its signature.
SIGNED_PATHS = ("/webhooks/uitdatabank",)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    database = open_database(settings)
    intake = Intake(database.engine)

    app = service_app(
        SERVICE,
        database,
        environment=settings.environment,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        title="STEM activities",
        description="The STEM-kalender built from UiTdatabank documents.",
        version="1",
        also_close=[intake.close],
        telemetry_off=True,  # performance-notes, activities
    )
    # The webhook checks its own signature (Standard Webhooks); every other route asks for a
    # token with its scope (stemkit.access.auth).
    app.include_router(webhook_router(database, settings, intake))
    read = [settings.doorkeeper().require(READ)]
    app.include_router(read_router(database, settings.stem_labels), dependencies=read)
    app.include_router(summary_router(database), dependencies=read)
    app.include_router(quarantine_router(database, settings))
    app.include_router(dead_letters_router(settings))
    app.include_router(ingestion_status_router(database, settings))
    app.include_router(unknown_organizers_router(database, settings))
    app.include_router(disagreements_router(database, settings))
    app.include_router(not_counted_router(database, settings))
    app.include_router(
        parked_outbox_router(database.session_factory, settings.doorkeeper().require(WRITE), TRAIL)
    )
    ops = settings.doorkeeper().require(OPS)
    app.include_router(audit_router(database.session_factory, TRAIL.table, ops))
    check_every_door(app, public=SIGNED_PATHS)
    return app
