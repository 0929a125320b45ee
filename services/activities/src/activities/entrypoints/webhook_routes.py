"""POST /webhooks/uitdatabank: signed UiTdatabank deliveries (Standard Webhooks).

Order matters: the size limit before reading everything, the signature before looking at
the content (so an unsigned caller learns nothing but 401), and a 2xx only once the delivery
is durably stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import Counter

from activities.adapters import delivery_store as deliveries
from activities.adapters.intake import Intake
from activities.adapters.webhook_signature import InvalidSignature, SignatureVerifier
from activities.config import Settings
from stemkit.logging import event_id_var
from stemkit.storage.db import Database

DELIVERIES = Counter(
    "stem_activities_webhook_deliveries_total",
    "Webhook deliveries by outcome",
    ["outcome"],
)

MAX_WEBHOOK_ID = 255  # the column's width; Standard Webhooks sets no limit

_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "UiTdatabank's change notification for an event, place or organizer "
        "(`{id, payload: {item_id, iri}, recorded_on}`; the document is then fetched from "
        "`iri`), or a whole event, place or organizer JSON-LD document",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    "parameters": [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    ],
}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Durably stored; it is processed asynchronously (what cannot be "
        "used is quarantined, see GET /quarantine)"
    },
    200: {"description": "A delivery with this webhook-id was received before; nothing done"},
    400: {"description": "The body is not JSON, or the webhook-id is too long"},
    401: {"description": "Missing or invalid signature, or a timestamp outside ±5 minutes"},
    413: {"description": "The body is larger than the configured limit"},
    415: {"description": "The body is declared as something else than JSON (Content-Type)"},
}


class _DirectRoute(APIRoute):
    """A route whose endpoint takes the Request and returns the Response itself, as the
    webhook's does: FastAPI's per-request dependency solving and response serialisation
    are skipped (documented extension point: a custom APIRoute's `get_route_handler`),
    while the OpenAPI description still comes from the route's declaration.

    Kept because it still pays: FastAPI's own handler costs the app 21-33 % more CPU per
    delivery, side by side in bench_webhook (ADR 0025)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            response: Response = await endpoint(request)
            return response

        return handle


def webhook_router(database: Database, settings: Settings, intake: Intake) -> APIRouter:
    router = APIRouter(tags=["webhooks"], route_class=_DirectRoute)
    verifier = SignatureVerifier([s.get_secret_value() for s in settings.webhook_secrets])

    @router.post(
        "/webhooks/uitdatabank",
        status_code=status.HTTP_202_ACCEPTED,
        responses=_RESPONSES,
        openapi_extra=_REQUEST,
        summary="Receive a UiTdatabank notification or document, signed per Standard Webhooks",
    )
    async def receive_uitdatabank(request: Request) -> JSONResponse:
        body = await _read_limited(request, settings.webhook_max_body_bytes)
        try:
            verifier.verify(body, request.headers)
        except InvalidSignature as exc:
            _refuse("unauthorized", status.HTTP_401_UNAUTHORIZED, f"invalid signature: {exc}")
        if not _declared_json(request.headers.get("content-type")):
            _refuse("malformed", status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "the body must be JSON")
        webhook_id = request.headers["webhook-id"]  # present: the signature covers it
        if len(webhook_id) > MAX_WEBHOOK_ID:
            _refuse("malformed", status.HTTP_400_BAD_REQUEST, "webhook-id is too long")
        token = event_id_var.set(webhook_id)
        try:
            text = body.decode("utf-8")  # verified, so UTF-8
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                _refuse("malformed", status.HTTP_400_BAD_REQUEST, f"the body is not JSON: {exc}")
            except RecursionError:  # e.g. 100,000 nested arrays: refused, never a 500
                _refuse(
                    "malformed",
                    status.HTTP_400_BAD_REQUEST,
                    "the body is not JSON we read: nested too deeply",
                )
            first = await intake.record(webhook_id, text, "webhook")
            earlier = None
            if not first:
                async with database.session_factory() as session:
                    earlier = await deliveries.status_of(session, webhook_id)
        finally:
            event_id_var.reset(token)
        if not first:
            DELIVERIES.labels("duplicate").inc()
            answer = {"status": "duplicate", "webhook_id": webhook_id, "first": earlier}
            return JSONResponse(answer, status_code=status.HTTP_200_OK)
        DELIVERIES.labels("stored").inc()
        stored = {"status": "received", "webhook_id": webhook_id}
        return JSONResponse(stored, status_code=status.HTTP_202_ACCEPTED)

    return router


def _declared_json(content_type: str | None) -> bool:
    """No Content-Type is taken as JSON (the signature and the parse still apply); a declared
    one must be application/json or a +json type such as application/ld+json."""
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing more than `limit` bytes whether or not Content-Length says so."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            _refuse("malformed", status.HTTP_400_BAD_REQUEST, "invalid Content-Length")
        if int(declared) > limit:
            _refuse("too_large", status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            _refuse("too_large", status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
    return bytes(body)


def _refuse(outcome: str, code: int, detail: str) -> NoReturn:
    DELIVERIES.labels(outcome).inc()
    raise HTTPException(code, detail=detail)
