"""The stand-in's HTTP app: Entry API GET and Search API v3, from a `Store`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from activities.domain.documents import Kind
from tools.uitdatabank_standin.search import BadRequest, search
from tools.uitdatabank_standin.store import Store

# Both spellings occur in @ids (uitdatabank.md §1); the Entry API serves the plural.
_PATHS: dict[str, Kind] = {
    "events": "event",
    "event": "event",
    "places": "place",
    "place": "place",
    "organizers": "organizer",
    "organizer": "organizer",
}


def create_standin(store: Store) -> FastAPI:
    app = FastAPI(title="UiTdatabank stand-in", openapi_url=None)
    app.state.store = store

    @app.get("/{collection}/{item_id}")
    async def entry_get(collection: str, item_id: str) -> Any:
        kind = _kind(collection)
        if item_id.lower() in store.redirects:
            return RedirectResponse(store.redirects[item_id.lower()], status_code=307)
        if item_id.lower() in store.raw:
            return Response(store.raw[item_id.lower()], media_type="application/ld+json")
        if item_id.lower() in store.gone:
            status = store.gone[item_id.lower()]
            raise HTTPException(status, "gone" if status == 410 else "not found")
        document = store.get(kind, item_id)
        if document is None:
            raise HTTPException(404, f"no {kind} {item_id}")
        return document

    @app.get("/{collection}")
    async def search_api(collection: str, request: Request) -> Any:
        try:
            return search(store, _kind(collection), dict(request.query_params))
        except BadRequest as exc:
            raise HTTPException(400, str(exc)) from None

    return app


def _kind(collection: str) -> Kind:
    kind = _PATHS.get(collection)
    if kind is None:
        raise HTTPException(404, f"unknown collection {collection}")
    return kind
