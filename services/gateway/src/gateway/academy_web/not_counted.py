"""The "not counted" table of /academie (issue 21): every UiTdatabank activity of the
session's academy that the platform did not count, one row each, with the reason.

Read with the gateway's own credential from the services that know each reason, always for
the academy of the session (the caller passes it; never one from the request):
- not linked: organizer ids the academy asked to link, still waiting for ops, whose
  activities arrive (activities `/organizers/unknown`; one row per organizer);
- no municipality: sessions whose place is in no Flemish municipality on their date
  (activities `/not-counted/without-municipality`);
- not recognised on that date: reach only a missing recognition keeps out (subsidy
  `/reach/unrecognised`);
- quarantined: deliveries of the academy's organizers that could not become an activity
  (activities `/not-counted/quarantined`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from gateway.adapters.upstreams import Upstreams

PAGE = 200
MAX_PAGES = 5  # a bound per reason: at most PAGE * MAX_PAGES rows, then "and more"
NAMES_BATCH = 100  # activities' /activities?ids= batch


@dataclass(frozen=True)
class Row:
    what: str  # the activity's (or organizer's) name, else its id
    ident: str  # the UiTdatabank id
    reason: str  # a key of words.py: why_<reason>
    values: dict[str, str]  # what the reason's words fill in
    detail: str | None = None  # the service's own words (English), when it gave them


async def _pages(
    client: httpx.AsyncClient, path: str, params: dict[str, Any]
) -> tuple[list[Any], bool]:
    """Every item of a keyset-paged read, up to MAX_PAGES pages; and whether more remain."""
    items: list[Any] = []
    after = None
    for _ in range(MAX_PAGES):
        answer = await client.get(
            path, params=params | {"limit": PAGE} | ({"after": after} if after else {})
        )
        answer.raise_for_status()
        page = answer.json()
        items += page["items"]
        after = page.get("next_after")
        if not after:
            return items, False
    return items, True


async def _names(client: httpx.AsyncClient, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), NAMES_BATCH):
        batch = ",".join(ids[start : start + NAMES_BATCH])
        answer = await client.get("/activities", params={"ids": batch})
        answer.raise_for_status()
        found |= {a["activity_id"]: a.get("name") or "" for a in answer.json().get("items", [])}
    return found


def _unknown(answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, dict):
        return list(answer.get("items") or answer.get("organizers") or [])
    return list(answer)


async def not_counted(
    upstreams: Upstreams, academy_id: str, pending: set[str], year: int
) -> tuple[list[Row], bool]:
    """The rows of `academy_id` for `year` (not linked and quarantined: whatever the year),
    and whether a bound cut some off. `pending`: the organizer ids it asked to link."""
    mine = {"academy_id": academy_id}
    unknown = await upstreams.activities.get("/organizers/unknown", params={"limit": 500})
    unknown.raise_for_status()
    unplaced, more_unplaced = await _pages(
        upstreams.activities, "/not-counted/without-municipality", mine | {"year": year}
    )
    quarantined, more_quarantined = await _pages(
        upstreams.activities, "/not-counted/quarantined", mine
    )
    unrecognised, more_unrecognised = await _pages(
        upstreams.subsidy, "/reach/unrecognised", mine | {"year": year}
    )
    names = await _names(upstreams.activities, [u["activity_id"] for u in unrecognised])
    rows = [
        Row(
            o.get("name") or o["organizer_id"],
            o["organizer_id"],
            "not_linked",
            {"n": str(o.get("activities", 0))},
        )
        for o in _unknown(unknown.json())
        if str(o.get("organizer_id", "")).lower() in pending
    ]
    rows += [
        Row(
            u.get("name") or u["activity_id"],
            u["activity_id"],
            u["reason"],
            {"postal_code": u.get("postal_code") or "", "country": u.get("country") or ""},
            u.get("detail"),
        )
        for u in unplaced
    ]
    rows += [
        Row(
            names.get(u["activity_id"]) or u["activity_id"],
            u["activity_id"],
            "not_recognised",
            {"days": ", ".join(u["days"])},
        )
        for u in unrecognised
    ]
    rows += [
        Row(
            q.get("name") or q.get("item_id") or q["webhook_id"],
            q.get("item_id") or q["webhook_id"],
            "quarantined",
            {},
            q.get("reason"),
        )
        for q in quarantined
    ]
    return rows, more_unplaced or more_quarantined or more_unrecognised
