"""HTTP routes of the municipalities reference data: the municipalities of a year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from registry.domain.municipality import FIRST_YEAR
from registry.entrypoints.municipality_schemas import MunicipalityOut
from registry.service_layer import municipalities
from stemkit.storage.db import Database


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
