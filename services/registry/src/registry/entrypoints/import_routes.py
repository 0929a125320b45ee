"""`POST /academies/import`: the CLI's CSV import over HTTP (ops), all or nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from registry.config import Settings
from registry.entrypoints.schemas import UNAUTHORISED
from registry.service_layer.importing import COLUMNS, ImportRefused, ImportResult, import_academies
from stemkit.access.auth import EDIT, WRITE
from stemkit.storage.db import Database

MAX_BYTES = 5 * 1024 * 1024


class RowErrorOut(BaseModel):
    row: int
    field: str
    message: str


class ImportOut(BaseModel):
    committed: bool
    rows: int
    imported: list[str]
    errors: list[RowErrorOut]

    @classmethod
    def of(cls, result: ImportResult, *, committed: bool) -> ImportOut:
        return cls(
            committed=committed,
            rows=result.rows,
            imported=[a.id for a in result.imported] if committed else [],
            errors=[RowErrorOut(**vars(e)) for e in result.errors],
        )


def import_router(database: Database, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["academies"])

    @router.post(
        "/academies/import",
        response_model=ImportOut,
        dependencies=[settings.doorkeeper().require(WRITE, EDIT)],
        responses={**UNAUTHORISED, 422: {"model": ImportOut, "description": "Nothing imported"}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"text/csv": {"schema": {"type": "string"}}},
                "description": f"CSV with a header; columns: {', '.join(COLUMNS)}",
            }
        },
    )
    async def import_academies_csv(
        request: Request,
        skip_bad_rows: Annotated[bool, Query(description="Import the good rows anyway")] = False,
    ) -> ImportOut | JSONResponse:
        """Register the academies of a CSV file (ops): every row or, when a row is bad, none
        (unless `skip_bad_rows`). The answer reports each bad row and field."""
        body = await request.body()
        if len(body) > MAX_BYTES:
            return _refused([(1, "file", f"at most {MAX_BYTES} bytes")])
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _refused([(1, "file", "the file is not UTF-8 text")])
        try:
            async with database.session_factory.begin() as session:
                result = await import_academies(session, text, skip_bad_rows=skip_bad_rows)
        except ImportRefused as refused:
            content = ImportOut.of(refused.result, committed=False).model_dump()
            return JSONResponse(content, status_code=422)
        return ImportOut.of(result, committed=True)

    return router


def _refused(errors: list[tuple[int, str, str]]) -> JSONResponse:
    rows = [RowErrorOut(row=r, field=f, message=m) for r, f, m in errors]
    body = ImportOut(committed=False, rows=0, imported=[], errors=rows)
    return JSONResponse(body.model_dump(), status_code=422)
