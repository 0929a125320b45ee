"""HTTP read API of the subsidy service (`uvicorn subsidy.entrypoints.api:create_app --factory`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, status

from stemkit.access.auth import OPS, READ, WRITE, check_every_door
from stemkit.http.standard_routes import (
    add_platform_routes,
    database_and_broker_checks,
    docs_only_in_development,
    stable_operation_id,
)
from stemkit.logging import configure_logging
from stemkit.ops.audit import Trail
from stemkit.ops.audit_routes import audit_router
from stemkit.ops.consumer_lag import consumer_lag_router
from stemkit.ops.dead_letters import dead_letter_router
from stemkit.ops.outbox_parked import parked_outbox_router
from subsidy import views
from subsidy.adapters.orm import audit_log
from subsidy.bootstrap import open_database
from subsidy.config import SERVICE, Settings
from subsidy.entrypoints.calc_routes import calculation_router
from subsidy.entrypoints.deps import SessionDep
from subsidy.entrypoints.report_routes import report_router
from subsidy.entrypoints.unrecognised_routes import unrecognised_router

MAX_ACADEMIES = 500  # one batch of the gateway; bounds the query's IN list


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    database = open_database(settings)  # no connection yet: the engine connects on first use

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    keys = settings.doorkeeper()
    app = FastAPI(
        title="STEM subsidy",
        version="1",
        **docs_only_in_development(settings.environment),
        lifespan=lifespan,
        generate_unique_id_function=stable_operation_id,
    )
    app.state.database = database
    checks = database_and_broker_checks(database, settings.kafka_bootstrap_servers)
    add_platform_routes(app, SERVICE, checks, refuse_nul=True)

    @app.get(
        "/reach",
        tags=["reach"],
        response_model=list[views.ReachView],
        dependencies=[keys.require(READ)],
    )
    async def list_reach(
        session: SessionDep,
        academy_id: Annotated[str | None, Query(description="One academy")] = None,
        academy_ids: Annotated[
            str | None, Query(description="Several academies, comma separated (batch)")
        ] = None,
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> list[views.ReachView]:
        """Municipalities each academy reached, per year, with the activities that prove it."""
        wanted = [a for a in (academy_ids or "").split(",") if a]
        if academy_id:
            wanted.append(academy_id)
        if not wanted:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "give academy_id or academy_ids"
            )
        if len(wanted) > MAX_ACADEMIES:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"at most {MAX_ACADEMIES} academies"
            )
        return await views.reach_of(session, wanted, year)

    app.include_router(calculation_router(settings))
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
