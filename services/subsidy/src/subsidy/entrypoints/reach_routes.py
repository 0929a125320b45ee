"""`GET /reach`: the municipalities academies reached, per year (tag "reach"; the app
requires the read scope). One academy's reach counted apart is `unrecognised_routes.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from subsidy.adapters.reach_of_academies import ReachView, reach_of
from subsidy.entrypoints.deps import SessionDep

MAX_ACADEMIES = 500  # one batch of the gateway; bounds the query's IN list


def reach_router() -> APIRouter:
    router = APIRouter(tags=["reach"])

    @router.get("/reach", response_model=list[ReachView])
    async def list_reach(
        session: SessionDep,
        academy_id: Annotated[str | None, Query(description="One academy")] = None,
        academy_ids: Annotated[
            str | None, Query(description="Several academies, comma separated (batch)")
        ] = None,
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> list[ReachView]:
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
        return await reach_of(session, wanted, year)

    return router
