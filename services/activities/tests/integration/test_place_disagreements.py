"""Ops see where the coordinates and the postal code disagree (issue 15, item 7): the
address decides the municipality (reach and payment alike), the coordinates lying in
another one are flagged, listed and counted at GET /places/disagreements (ops scope)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from stemkit.contracts.registry import MunicipalityDefined
from stemkit.settings import DEV_OPS_TOKEN

Post = Callable[..., Awaitable[httpx.Response]]
Deliver = Callable[[Any], Awaitable[None]]
LoadEvent = Callable[[str], dict[str, Any]]
OPS = {"Authorization": f"Bearer {DEV_OPS_TOKEN}"}
REFERENCE = Path(__file__).resolve().parents[3] / "registry/src/registry/reference_data"
VAARTKOM = {"latitude": 50.8863, "longitude": 4.7063}  # a point in Leuven


def _boundary(nis: str) -> dict[str, Any]:
    text = (REFERENCE / "flanders_municipalities_2025.geojson").read_text(encoding="utf-8")
    (found,) = [
        f["geometry"]
        for f in json.loads(text)["features"]
        if str(f["properties"]["nis_code"]) == nis
    ]
    return dict(found)


def _event(load_event: LoadEvent, n: int, postal: str, locality: str) -> dict[str, Any]:
    document = load_event("original")
    document["@id"] = f"https://io.uitdatabank.be/events/00000000-0000-4000-8000-{n:012d}"
    document |= {"calendarType": "single", "startDate": "2025-03-05T14:00:00+01:00"}
    document.pop("endDate", None)
    document.pop("subEvent", None)
    document["location"].pop("@id", None)  # an address of its own, not a shared place
    document["location"]["address"]["nl"] |= {"postalCode": postal, "addressLocality": locality}
    document["location"]["geo"] = VAARTKOM
    return document


async def test_coordinates_elsewhere_than_the_postal_code_are_listed_and_counted_for_ops(
    deliver: Deliver, post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    for nis, name, codes in (("24062", "Leuven", ["3000"]), ("23106", "Pajottegem", ["1570"])):
        await deliver(
            MunicipalityDefined(
                nis_code=nis,
                name_nl=name,
                province_nl="Vlaams-Brabant",
                valid_from=date(2025, 1, 1),
                valid_to=None,
                postal_codes=codes,
                boundary=_boundary(nis),
            )
        )
    await post_document(_event(load_event, 1, "1570", "Galmaarden"))  # the point is in Leuven
    await post_document(_event(load_event, 2, "3000", "Leuven"))  # they agree

    assert (await client.get("/places/disagreements")).status_code == 403  # read scope only
    answer = await client.get("/places/disagreements", headers=OPS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["activity_id"].endswith("000000000001") and item["postal_code"] == "1570"
    [period] = item["periods"]
    assert period["nis_code"] == "23106"  # the address counts
    assert "coordinates lie in 24062" in period["disagreement"]

    # The activity itself resolves to the address's municipality, flagged.
    one = (await client.get(f"/activities/{item['activity_id']}")).json()
    assert one["location"]["nis_code"] == "23106"
