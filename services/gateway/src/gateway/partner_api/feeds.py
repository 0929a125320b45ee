"""Agenda feeds for partner sites: `GET /feeds/activities.ics` and `/feeds/activities.jsonld`.

Stable URLs that a calendar app can subscribe to: the partner key goes in `?key=` (calendar
apps cannot set headers; `X-API-Key` works too), the filter in the query string (the same
filters as the GraphQL `activities` query). HTTP caching: a strong ETag of the body and
Last-Modified (the newest activity), answered with 304 to `If-None-Match` /
`If-Modified-Since`. A feed pays its size from the key's cost budget (429 when empty).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from gateway.adapters import activities as activities_api
from gateway.adapters import registry as registry_api
from gateway.adapters.activities import ActivityFilters, ActivityRead
from gateway.adapters.registry import AcademyRead
from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.domain import feeds, ical_feed, jsonld_feed
from gateway.partner_api.feed_query import FeedQuery
from gateway.schema.callers import API_KEY_HEADER
from gateway.schema.context import Caller, Guard

ICAL, JSONLD = "text/calendar; charset=utf-8", "application/ld+json"


def feeds_router(partner: Callable[[str], Caller | None], guard: Guard) -> APIRouter:
    router = APIRouter(prefix="/feeds", tags=["feeds"])

    async def answer(request: Request, query: FeedQuery, kind: str) -> Response:
        caller = partner(query.key or request.headers.get(API_KEY_HEADER) or "")
        if caller is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a partner key is required (?key=)")
        paid, rest = guard.buckets.take(caller.id, query.limit)
        if not paid:
            retry = str(guard.buckets.retry_after(rest))
            raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": retry})
        found, academies = await _read(request.app.state.upstreams, query.to_filters(), query.limit)
        body = (
            ical_feed.to_ical(found, academies, query.lang)
            if kind == ICAL
            else json.dumps(
                jsonld_feed.to_jsonld(found, academies, query.lang), ensure_ascii=False
            ).encode()
        )
        return _cached(request, body, kind, feeds.last_modified(found))

    @router.get("/activities.ics", response_class=Response, summary="iCalendar feed")
    async def ical(request: Request, filters: Annotated[FeedQuery, Query()]) -> Response:
        return await answer(request, filters, ICAL)

    @router.get("/activities.jsonld", response_class=Response, summary="schema.org Events")
    async def jsonld(request: Request, filters: Annotated[FeedQuery, Query()]) -> Response:
        return await answer(request, filters, JSONLD)

    return router


async def _read(
    upstreams: Upstreams, filters: ActivityFilters, limit: int
) -> tuple[list[ActivityRead], dict[str, AcademyRead]]:
    try:
        found, _ = await activities_api.list_activities(upstreams.activities, filters, limit, None)
        academy_ids = sorted({a.academy_id for a in found if a.academy_id})
        academies = (
            await registry_api.academies_by_id(upstreams.registry, academy_ids)
            if academy_ids
            else {}
        )
    except UpstreamError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return found, academies


def _cached(request: Request, body: bytes, media_type: str, modified: datetime) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified.replace(microsecond=0), usegmt=True),
        "Cache-Control": "private, max-age=300",
    }
    if _not_modified(request, etag, modified):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _not_modified(request: Request, etag: str, modified: datetime) -> bool:
    if (tags := request.headers.get("if-none-match")) is not None:
        return etag in [t.strip().removeprefix("W/") for t in tags.split(",")] or tags == "*"
    if (since := request.headers.get("if-modified-since")) is not None:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
