"""Search API v3 as the stand-in answers it (uitdatabank.md §9, §13): default filters
unless `disableDefaultFilters=true`, `modifiedFrom`/`modifiedTo`, `sort[modified]`,
`organizerId`, `locationId`, `q=id:(a OR b)`, `embed`, and paging within `start` <= 10000
and `limit` <= 2000 (beyond them: 400, as the real one refuses)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from activities.domain import jsonld
from activities.domain.documents import Kind
from stemkit.domain.uit import resource_id
from tools.uitdatabank_standin.store import Store, modified

MAX_START, MAX_LIMIT, DEFAULT_LIMIT = 10_000, 2_000, 30
_PUBLIC = {"APPROVED", "READY_FOR_VALIDATION"}
_IDS = re.compile(r"^\s*id\s*:\s*\(([^)]*)\)\s*$")


class BadRequest(ValueError):
    pass


def search(store: Store, kind: Kind, params: Mapping[str, str]) -> dict[str, Any]:
    start = _int(params, "start", 0)
    limit = _int(params, "limit", DEFAULT_LIMIT)
    if not 0 <= start <= MAX_START:
        raise BadRequest(f"start must be between 0 and {MAX_START}")
    if not 0 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 0 and {MAX_LIMIT}")
    found = [d for d in store.documents[kind].values() if _matches(kind, d, params)]
    descending = params.get("sort[modified]") == "desc"
    found.sort(key=lambda d: (modified(d), str(d.get("@id"))), reverse=descending)
    embed = params.get("embed") in ("true", "1")
    page = found[start : start + limit]
    members = [d if embed else {"@id": d.get("@id"), "@type": _TYPE[kind]} for d in page]
    return {
        "@context": "http://www.w3.org/ns/hydra/context.jsonld",
        "@type": "PagedCollection",
        "itemsPerPage": limit,
        "totalItems": len(found),
        "member": members,
    }


_TYPE = {"event": "Event", "place": "Place", "organizer": "Organizer"}


def _matches(kind: Kind, document: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    changed = modified(document)
    low, high = _moment(params, "modifiedFrom"), _moment(params, "modifiedTo")
    if (low and changed < low) or (high and changed > high):
        return False
    if "organizerId" in params:
        organizer = document.get("organizer")
        found = (
            resource_id(organizer.get("@id"), "organizer")
            if isinstance(organizer, Mapping)
            else None
        )
        if found != params["organizerId"].lower():
            return False
    if "locationId" in params:
        location = jsonld.mapping(document.get("location"))
        if resource_id(location.get("@id"), "place") != params["locationId"].lower():
            return False
    if "q" in params and not _q(kind, document, params["q"]):
        return False
    if params.get("disableDefaultFilters") == "true":
        return True
    return _default_filters(kind, document, params)


def _default_filters(kind: Kind, document: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    workflow = params.get("workflowStatus")
    status = document.get("workflowStatus")
    if kind == "organizer":
        return workflow == "*" or status != "DELETED"
    if workflow != "*" and status not in _PUBLIC:
        return False
    now = datetime.now(UTC)
    if params.get("availableFrom") != "*":
        available_from = jsonld.moment(document.get("availableFrom"))
        if available_from and available_from > now:
            return False
    if params.get("availableTo") != "*":
        available_to = jsonld.moment(document.get("availableTo"))
        if available_to and available_to < now:
            return False
    audience = jsonld.mapping(document.get("audience")).get("audienceType", "everyone")
    return params.get("audienceType") == "*" or audience == "everyone"


def _q(kind: Kind, document: Mapping[str, Any], q: str) -> bool:
    match = _IDS.match(q)
    if match is None:
        raise BadRequest("the stand-in understands only q=id:(a OR b ...)")
    wanted = {part.strip().lower() for part in match.group(1).split(" OR ") if part.strip()}
    return resource_id(document.get("@id"), kind) in wanted


def _int(params: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    if name not in params:
        return None
    value = jsonld.moment(params[name])
    if value is None:
        raise BadRequest(f"{name} must be an ISO-8601 date-time")
    return value
