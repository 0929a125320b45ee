"""The registry's HTTP app: `uvicorn --factory registry.entrypoints.api:create_app`."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from registry.adapters.orm import audit_log
from registry.bootstrap import open_database
from registry.config import SERVICE, Settings
from registry.domain.errors import InvalidInput
from registry.domain.recognition import TransitionRefused
from registry.entrypoints.academy_routes import academies_router
from registry.entrypoints.follow_up_routes import follow_up_router
from registry.entrypoints.import_routes import import_router
from registry.entrypoints.link_request_routes import link_requests_router
from registry.entrypoints.lookup_routes import lookup_router
from registry.entrypoints.municipality_routes import municipalities_router
from registry.entrypoints.recognition_routes import recognition_router
from registry.entrypoints.report_routes import report_router
from registry.entrypoints.role_routes import role_router
from registry.entrypoints.self_service_routes import self_service_router
from registry.entrypoints.standing_routes import standing_router
from registry.service_layer.academies import OrganizerTaken
from registry.service_layer.recognition import ConcurrentChange, UnknownAcademy
from stemkit.access.auth import OPS, READ, WRITE
from stemkit.access.door_check import check_every_door
from stemkit.http.service_app import service_app
from stemkit.logging import configure_logging
from stemkit.ops.audit import Trail
from stemkit.ops.audit_routes import audit_router
from stemkit.ops.outbox_parked_routes import parked_outbox_router
from stemkit.storage.db import Database


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    database = open_database(settings)

    app = service_app(
        SERVICE,
        database,
        environment=settings.environment,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        title="STEM registry",
        summary="Academies, their UiTdatabank organizer ids, and Flanders' municipalities",
        version="1.0.0",
    )
    # Before the academies' routes, so /academies/import is not read as an academy id.
    # Every route asks for a token with the read scope at least; writes and internal reads
    # add theirs (stemkit.access.auth).
    read = [settings.doorkeeper().require(READ)]
    app.include_router(import_router(database, settings), dependencies=read)
    app.include_router(academies_router(database, settings), dependencies=read)
    app.include_router(municipalities_router(database), dependencies=read)
    app.include_router(lookup_router(), dependencies=read)
    app.include_router(recognition_router(database, settings), dependencies=read)
    app.include_router(role_router(database, settings), dependencies=read)
    app.include_router(standing_router(database), dependencies=read)
    app.include_router(report_router(database, settings), dependencies=read)
    app.include_router(follow_up_router(database, settings), dependencies=read)
    app.include_router(
        audit_router(database.session_factory, audit_log, settings.doorkeeper().require(OPS))
    )
    # Academy self-service: no read scope (a coordinator has none); each route checks the
    # caller is a coordinator of the path's academy (issue 21).
    app.include_router(self_service_router(database, settings))
    app.include_router(link_requests_router(database, settings), dependencies=read)
    _add_error_handlers(app)
    app.include_router(
        parked_outbox_router(
            database.session_factory,
            settings.doorkeeper().require(WRITE),
            Trail(audit_log, SERVICE),
        )
    )
    check_every_door(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    async def invalid(_request: Request, exc: InvalidInput) -> JSONResponse:
        # The same shape as FastAPI's own 422, so clients read one format for bad input.
        detail = [
            {"type": "value_error", "loc": ["body", field], "msg": msg}
            for field, msg in exc.errors.items()
        ]
        return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(OrganizerTaken)
    async def taken(_request: Request, exc: OrganizerTaken) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc), "taken": exc.taken}, status_code=status.HTTP_409_CONFLICT
        )

    @app.exception_handler(TransitionRefused)
    async def refused(_request: Request, exc: TransitionRefused) -> JSONResponse:
        body = {"detail": str(exc), "current": exc.current, "allowed": list(exc.allowed)}
        return JSONResponse(body, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(ConcurrentChange)
    async def concurrent(_request: Request, _exc: ConcurrentChange) -> JSONResponse:
        detail = "another change of this academy was recorded at the same time; try again"
        return JSONResponse({"detail": detail}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(UnknownAcademy)
    async def unknown(_request: Request, exc: UnknownAcademy) -> JSONResponse:
        return JSONResponse({"detail": f"no academy {exc}"}, status_code=404)


def database_of(app: FastAPI) -> Database:
    database: Database = app.state.database
    return database
