"""HTTP routes: academies (ops writes, reads for the gateway) and municipalities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

from registry.config import Settings
from registry.domain.municipality import FIRST_YEAR
from registry.entrypoints.schemas import AcademyIn, AcademyOut, Conflict, MunicipalityOut
from registry.service_layer import academies, municipalities
from stemkit.auth import require_ops_token
from stemkit.db import Database

MAX_BATCH = 100


def academies_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/academies", tags=["academies"])
    sessions = database.session_factory

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        dependencies=[Depends(require_ops_token(settings.ops_token))],
        responses={401: {"description": "No valid ops bearer token"}, 409: {"model": Conflict}},
    )
    async def register_academy(body: AcademyIn, response: Response) -> AcademyOut:
        """Register an academy (ops). Announces `AcademyRegistered`."""
        command = academies.RegisterAcademy(
            name=body.name,
            uit_organizer_ids=body.uit_organizer_ids,
            home_nis_code=body.home_nis_code,
        )
        async with sessions.begin() as session:
            academy = await academies.register_academy(session, command)
        response.headers["Location"] = f"/academies/{academy.id}"
        return AcademyOut.of(academy)

    @router.get("/{academy_id}", responses={404: {"description": "No such academy"}})
    async def get_academy(academy_id: str) -> AcademyOut:
        async with sessions() as session:
            academy = await academies.get_academy(session, academy_id)
        if academy is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no academy {academy_id}")
        return AcademyOut.of(academy)

    @router.get("")
    async def list_academies(
        ids: Annotated[
            str | None,
            Query(description=f"Comma-separated academy ids (at most {MAX_BATCH}); all if absent"),
        ] = None,
    ) -> list[AcademyOut]:
        """Academies by id, in the order asked (unknown ids left out): the gateway's batch read."""
        wanted = None if ids is None else [i for i in ids.split(",") if i.strip()]
        if wanted is not None and len(wanted) > MAX_BATCH:
            raise RequestValidationError(
                [{"type": "too_long", "loc": ("query", "ids"), "msg": f"at most {MAX_BATCH} ids"}]
            )
        async with sessions() as session:
            found = await academies.get_academies(session, wanted)
        return [AcademyOut.of(a) for a in found]

    return router


def municipalities_router(database: Database) -> APIRouter:
    router = APIRouter(prefix="/municipalities", tags=["municipalities"])
    sessions = database.session_factory

    @router.get("")
    async def list_municipalities(
        year: Annotated[
            int,
            Query(ge=FIRST_YEAR, le=2100, description="Valid on at least one day of this year"),
        ],
        province: Annotated[
            str | None, Query(max_length=50, description="Only this province (e.g. Limburg)")
        ] = None,
    ) -> list[MunicipalityOut]:
        """The Flemish municipalities of a year (300 in 2019 to 2024, 285 from 2025)."""
        async with sessions() as session:
            found = await municipalities.valid_in(session, year)
        wanted = province.strip().lower() if province else None
        return [MunicipalityOut.of(m) for m in found if wanted in (None, m.province_nl.lower())]

    return router
