"""HTTP read API of the subsidy service (`uvicorn subsidy.entrypoints.api:create_app --factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from stemkit.access.auth import OPS, READ, WRITE
from stemkit.access.door_check import check_every_door
from stemkit.http.service_app import service_app
from stemkit.logging import configure_logging
from stemkit.ops.audit import Trail
from stemkit.ops.audit_routes import audit_router
from stemkit.ops.consumer_lag import consumer_lag_router
from stemkit.ops.dead_letters import dead_letter_router
from stemkit.ops.outbox_parked_routes import parked_outbox_router
from subsidy.adapters.orm import audit_log
from subsidy.bootstrap import open_database
from subsidy.config import SERVICE, Settings
from subsidy.entrypoints.calc_routes import calculation_router
from subsidy.entrypoints.parameter_routes import parameter_router
from subsidy.entrypoints.reach_routes import reach_router
from subsidy.entrypoints.report_routes import report_router
from subsidy.entrypoints.run_routes import run_router
from subsidy.entrypoints.unrecognised_routes import unrecognised_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    database = open_database(settings)  # no connection yet: the engine connects on first use

    keys = settings.doorkeeper()
    app = service_app(
        SERVICE,
        database,
        environment=settings.environment,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        title="STEM subsidy",
        version="1",
    )

    ops = [keys.require(OPS)]  # runs, explanations, what-if and parameters are internal
    app.include_router(reach_router(), dependencies=[keys.require(READ)])
    app.include_router(calculation_router(settings), dependencies=ops)
    app.include_router(run_router(), dependencies=ops)
    app.include_router(parameter_router(settings), dependencies=ops)
    app.include_router(report_router(settings), dependencies=[keys.require(READ)])
    app.include_router(unrecognised_router(), dependencies=[keys.require(READ)])
    app.include_router(
        dead_letter_router(
            settings.kafka_bootstrap_servers, settings.dead_letter_topic, keys.require(OPS)
        )
    )
    app.include_router(
        consumer_lag_router(
            settings.kafka_bootstrap_servers, settings.consumer_group, keys.require(OPS)
        )
    )
    trail = Trail(audit_log, SERVICE)
    app.include_router(parked_outbox_router(database.session_factory, keys.require(WRITE), trail))
    app.include_router(audit_router(database.session_factory, audit_log, keys.require(OPS)))
    check_every_door(app)
    return app
