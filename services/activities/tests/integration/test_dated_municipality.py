"""Issue 15, item 2: a 2022 address "1570 Galmaarden" without coordinates is Galmaarden
(23023) in 2022, not Pajottegem (23106, which the 2025 postal code table names), and the
event carries the municipality per period for the subsidy service's session dates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx

from stemkit.contracts.registry import MunicipalityDefined

Post = Callable[..., Awaitable[httpx.Response]]
Deliver = Callable[[Any], Awaitable[None]]
LoadEvent = Callable[[str], dict[str, Any]]
EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"


def defined(nis: str, name: str, until: date | None, into: str | None, *codes: str) -> Any:
    start = date(2025, 1, 1) if nis == "23106" else date(2019, 1, 1)
    return MunicipalityDefined(
        nis_code=nis,
        name_nl=name,
        province_nl="Vlaams-Brabant",
        valid_from=start,
        valid_to=until,
        merged_into_nis=into,
        postal_codes=list(codes),
    )


async def test_a_2022_galmaarden_address_is_galmaarden_and_pajottegem_from_2025(
    deliver: Deliver, post_document: Post, load_event: LoadEvent, client: httpx.AsyncClient
) -> None:
    document = load_event("original")
    document |= {"calendarType": "single", "startDate": "2022-11-16T14:00:00+01:00"}
    document.pop("endDate", None)
    document.pop("subEvent", None)
    document["location"]["address"]["nl"] |= {"postalCode": "1570", "addressLocality": "Galmaarden"}
    document["location"].pop("geo", None)
    await post_document(document)
    # The registry's events after the activity: each one re-resolves it.
    await deliver(defined("23106", "Pajottegem", None, None, "1570", "1755", "1760"))
    await deliver(defined("23023", "Galmaarden", date(2024, 12, 31), "23106"))
    await deliver(defined("23024", "Gooik", date(2024, 12, 31), "23106"))

    response = await client.get(f"/activities/{EVENT_ID}")
    assert response.status_code == 200
    location = response.json()["location"]
    assert location["nis_code"] == "23023"
    assert [(p["first"], p["last"], p["nis_code"]) for p in location["periods"]] == [
        (None, "2024-12-31", "23023"),
        ("2025-01-01", None, "23106"),
    ]
