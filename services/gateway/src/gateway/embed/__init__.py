"""The drop-in calendar for partner sites: `<stem-kalender>`, served at `/embed/stem-kalender.js`.

One plain script (no framework, no build): a custom element in a shadow root that asks the
gateway's GraphQL with two persisted queries of its own (`OPERATIONS`, always known to the
gateway, by hash, by GET), so its answers come from the response cache (ADR 0016) and
the browser revalidates them with `If-None-Match`. The script is served with the hashes
filled in, so the element never sends query text. A partner embeds it with one script tag
and its key; see the partner section of services/gateway/README.md.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

from fastapi import APIRouter, Request, Response

from gateway.adapters.persisted import sha256

CALENDAR = """query StemKalender($first: Int!, $after: String, $filter: ActivityFilter) {
  activities(first: $first, after: $after, filter: $filter) {
    nodes { id name status ageMin ageMax themeIds occurrences { start end }
      location { name postalCode locality } municipality { nisCode name province }
      academy { name website } }
    pageInfo { hasNextPage endCursor }
  }
}"""
MUNICIPALITIES = """query StemKalenderGemeenten($year: Int!, $province: String) {
  municipalities(year: $year, province: $province) { nisCode name province }
}"""
# Hash -> query: first-party operations of the gateway itself, run by hash by any caller.
OPERATIONS = {sha256(CALENDAR): CALENDAR, sha256(MUNICIPALITIES): MUNICIPALITIES}
SCRIPT_MAX_AGE = 300  # seconds a browser keeps the script before it revalidates


def script() -> bytes:
    source = (files("gateway.embed") / "stem-kalender.js").read_text(encoding="utf-8")
    source = source.replace("__CALENDAR_HASH__", sha256(CALENDAR))
    return source.replace("__MUNICIPALITIES_HASH__", sha256(MUNICIPALITIES)).encode()


def embed_router() -> APIRouter:
    router = APIRouter(prefix="/embed", include_in_schema=False)
    body = script()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    @router.get("/stem-kalender.js")
    async def stem_kalender(request: Request) -> Response:
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={SCRIPT_MAX_AGE}",
            # Any partner page may load it (it holds no data; the key is the partner's).
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        }
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    return router
