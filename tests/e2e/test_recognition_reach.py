"""Issue 15, item 3, end to end: recognition fails closed. Two signed documents of the demo
academy Leuven Codeert (its recognition history: requested from 1 September 2022,
provisionally recognised from 1 October 2022), one held in September 2022 and one in
November 2022, both in Leuven: GraphQL lists both with their academy, but the academy's
2022 reach in Leuven rests on the November one only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from activities.config import DEV_WEBHOOK_SECRET
from tests.e2e.harness import Platform
from tests.e2e.test_slice import eventually, graphql, handled_events, platform
from tools.send_webhook import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
__all__ = ["platform"]  # the fixture: every process on fresh databases

FIXTURE = Path(__file__).parent / "fixtures" / "academy-event-approved.json"
BEFORE_ID = "0f6b1c3e-2a4d-4c8e-9b7a-2022090000a1"  # September 2022: only requested
AFTER_ID = "0f6b1c3e-2a4d-4c8e-9b7a-2022110000a2"  # November 2022: provisionally recognised
LEUVEN = "24062"


def document(event_id: str, day: str) -> str:
    """The real fixture (organizer linked to Leuven Codeert, at Vaartkom 35, 3000 Leuven)
    on `day`, 14:00-16:00."""
    found: dict[str, Any] = json.loads(FIXTURE.read_text())
    found["@id"] = f"http://udb-silex.dev/event/{event_id}"
    found["name"] = {"nl": f"Robotica op {day}"}
    found["startDate"] = f"{day}T14:00:00+02:00"
    found["endDate"] = f"{day}T16:00:00+02:00"
    found.pop("availableTo", None)
    found["modified"] = "2022-08-01T09:00:00+02:00"
    return json.dumps(found)


async def test_a_session_before_the_recognition_proves_no_reach_in_graphql(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        await eventually(registry_events_consumed, "the registry's events at activities")
        for event_id, day in ((BEFORE_ID, "2022-09-14"), (AFTER_ID, "2022-11-09")):
            body = document(event_id, day)
            response = await client.post(
                f"{platform.url('activities')}/webhooks/uitdatabank",
                content=body,
                headers=signed_headers(DEV_WEBHOOK_SECRET, body),
            )
            assert response.status_code == 202, response.text

        query = (
            f'{{ before: activity(id: "{BEFORE_ID}") {{ academy {{ id }} }} '
            f'after: activity(id: "{AFTER_ID}") {{ academy {{ id }} }} }}'
        )

        async def both_with_academy() -> dict[str, Any] | None:
            data = (await graphql(client, platform, query)).get("data") or {}
            found = [data.get(k) or {} for k in ("before", "after")]
            return data if all(a.get("academy") for a in found) else None

        data = await eventually(both_with_academy, "both activities in GraphQL")
        academy_id = data["after"]["academy"]["id"]
        assert data["before"]["academy"]["id"] == academy_id  # listed, of the academy
        reach_query = (
            f'{{ academy(id: "{academy_id}") {{ reach(year: 2022) {{ nisCode activityIds }} }} }}'
        )

        async def leuven_reached() -> list[dict[str, Any]] | None:
            academy = ((await graphql(client, platform, reach_query)).get("data") or {}).get(
                "academy"
            ) or {}
            reach = academy.get("reach") or []
            return reach if any(AFTER_ID in r["activityIds"] for r in reach) else None

        reach = await eventually(leuven_reached, "the November session's reach in 2022")
        # The September session was held before any recognition: it proves nothing.
        assert reach == [{"nisCode": LEUVEN, "activityIds": [AFTER_ID]}]
        assert all(BEFORE_ID not in r["activityIds"] for r in reach)
