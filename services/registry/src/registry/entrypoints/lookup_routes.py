"""Reference-data lookups "as of a date": by NIS code, postal code, coordinates; mergers.

They read the shipped reference data (the same files `cli load-reference` loads), held in
memory: a few hundred rows and two boundary files.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from registry.adapters import boundaries, reference_files
from registry.domain.municipality import FIRST_YEAR
from registry.entrypoints.municipality_schemas import (
    BoundariesOut,
    MunicipalityOut,
    PostalAnswerOut,
)

On = Annotated[date | None, Query(description="The day the answer holds for (default: today, UTC)")]
Longitude = Annotated[float, Query(ge=2.0, le=6.5, description="WGS84 longitude")]
Latitude = Annotated[float, Query(ge=50.0, le=52.0, description="WGS84 latitude")]


def _day(on: date | None) -> date:
    return on or datetime.now(UTC).date()


@lru_cache(maxsize=8)
def _boundaries_body(year: int, tolerance: float) -> bytes:
    """The answer's bytes, made once per period and tolerance (the files never change)."""
    period = boundaries.period_of(date(year, 1, 1))
    features = boundaries.map_features(period, tolerance)
    collection = {"type": "FeatureCollection", "year": year, "features": list(features)}
    return json.dumps(collection, separators=(",", ":")).encode()


def lookup_router() -> APIRouter:
    router = APIRouter(tags=["municipalities"])
    _add_municipality_lookups(router)
    _add_place_lookups(router)
    return router


def _add_municipality_lookups(router: APIRouter) -> None:
    """A municipality by NIS code on a day, the mergers both ways, the year's boundaries."""
    gazetteer = reference_files.gazetteer

    # Before /municipalities/{nis_code}, which would take "boundaries" for a NIS code.
    @router.get(
        "/municipalities/boundaries",
        response_class=Response,
        responses={200: {"model": BoundariesOut, "content": {"application/geo+json": {}}}},
    )
    async def get_boundaries(
        year: Annotated[int, Query(ge=FIRST_YEAR, le=2100, description="The year of the map")],
        tolerance: Annotated[
            float,
            Query(ge=0, le=0.01, description="Simplification in degrees (0: the files' own)"),
        ] = boundaries.MAP_TOLERANCE,
    ) -> Response:
        """The municipalities' boundaries of a year for a map, as a GeoJSON FeatureCollection
        (WGS84): the 2019-2024 shapes (300) before 2025, the 2025 shapes (285) from then;
        simplified together so neighbours share their borders."""
        # The first answer of a period simplifies 300 polygons (about a second of CPU): in a
        # thread, so the event loop keeps serving; later answers come from the cache.
        body = await asyncio.to_thread(_boundaries_body, year, tolerance)
        return Response(body, media_type="application/geo+json")

    @router.get("/municipalities/{nis_code}", responses={404: {"description": "None that day"}})
    async def get_municipality(nis_code: str, on: On = None) -> MunicipalityOut:
        """The municipality with this NIS code, valid on the day."""
        found = gazetteer().by_nis(nis_code, _day(on))
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no municipality {nis_code} on {on}")
        return MunicipalityOut.of(found)

    @router.get(
        "/municipalities/{nis_code}/successor", responses={404: {"description": "Unknown code"}}
    )
    async def get_successor(nis_code: str, on: On = None) -> MunicipalityOut:
        """The municipality that holds this one's territory on the day (itself if unmerged)."""
        found = gazetteer().successor(nis_code, _day(on))
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no successor of {nis_code} on {on}")
        return MunicipalityOut.of(found)

    @router.get("/municipalities/{nis_code}/predecessors")
    async def list_predecessors(nis_code: str) -> list[MunicipalityOut]:
        """The municipalities merged into this one on 1 January 2025 (empty if none)."""
        return [MunicipalityOut.of(m) for m in gazetteer().predecessors(nis_code)]


def _add_place_lookups(router: APIRouter) -> None:
    """The municipality of a postal code or of a point, on a day."""
    gazetteer = reference_files.gazetteer

    @router.get("/postal-codes/{postal_code}")
    async def lookup_postal_code(
        postal_code: str,
        on: On = None,
        locality: Annotated[str | None, Query(max_length=100)] = None,
        longitude: Annotated[float | None, Query(ge=2.0, le=6.5)] = None,
        latitude: Annotated[float | None, Query(ge=50.0, le=52.0)] = None,
    ) -> PostalAnswerOut:
        """The municipality of a postal code on the day; when the postal code alone cannot
        say (before 2025 in a municipality merged in 2025, or 1804), the candidates, unless
        coordinates or the locality settle it."""
        point = None if longitude is None or latitude is None else (longitude, latitude)
        answer = gazetteer().by_postal_code(
            postal_code, _day(on), locality=locality, point=point, locate=boundaries.locate
        )
        return PostalAnswerOut.of(answer)

    @router.get("/locate", responses={404: {"description": "Not in Flanders"}})
    async def locate_point(
        longitude: Longitude, latitude: Latitude, on: On = None
    ) -> MunicipalityOut:
        """The municipality a point lies in on the day (point in polygon)."""
        day = _day(on)
        nis_code = boundaries.locate(longitude, latitude, day)
        found = gazetteer().by_nis(nis_code, day) if nis_code else None
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "the point is not in Flanders")
        return MunicipalityOut.of(found)
