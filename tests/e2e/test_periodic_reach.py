"""Issue 15, item 1, end to end: a periodic weekly course across New Year, posted signed to
the activities webhook, travels as its compact calendar (period + opening hours + closed
days) and shows reach for both years in GraphQL (`academy { reach(year) }`), on real Kafka
and PostgreSQL with every process running.
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
COURSE_ID = "6a0c1f52-4d8e-4b7a-9f31-2c5e8d7b1a90"
LEUVEN = "24062"


def weekly_course() -> str:
    """The real fixture (organizer linked to the demo academy Leuven Codeert, recognised
    from October 2022 on) as a periodic course: Wednesdays 14:00-16:00 from September 2024
    to June 2025, closed on Christmas week's Wednesday."""
    document: dict[str, Any] = json.loads(FIXTURE.read_text())
    document["@id"] = f"http://udb-silex.dev/event/{COURSE_ID}"
    document["name"] = {"nl": "Robotica-lessenreeks"}
    document["calendarType"] = "periodic"
    document["startDate"] = "2024-09-01T00:00:00+02:00"
    document["endDate"] = "2025-06-30T23:59:59+02:00"
    document["openingHours"] = [{"dayOfWeek": ["wednesday"], "opens": "14:00", "closes": "16:00"}]
    document["openingHoursClosedDays"] = [{"startDate": "2024-12-25", "endDate": "2024-12-25"}]
    document.pop("availableTo", None)
    document["modified"] = "2025-03-02T09:00:00+01:00"
    return json.dumps(document)


async def test_a_weekly_course_across_new_year_reaches_both_years_in_graphql(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        port = platform.metrics_ports["activities-consumer"]

        async def registry_events_consumed() -> float | None:
            platform.assert_running()
            count = await handled_events(client, port, "activities")
            return count if count >= 313 else None

        await eventually(registry_events_consumed, "the registry's events at activities")
        body = weekly_course()
        response = await client.post(
            f"{platform.url('activities')}/webhooks/uitdatabank",
            content=body,
            headers=signed_headers(DEV_WEBHOOK_SECRET, body),
        )
        assert response.status_code == 202, response.text

        query = f'{{ activity(id: "{COURSE_ID}") {{ name academy {{ id }} }} }}'

        async def course_with_academy() -> dict[str, Any] | None:
            activity = ((await graphql(client, platform, query)).get("data") or {}).get("activity")
            return activity if activity and activity.get("academy") else None

        academy_id = (await eventually(course_with_academy, "the course in GraphQL"))["academy"][
            "id"
        ]
        reach_query = (
            f'{{ academy(id: "{academy_id}") {{ '
            "y2024: reach(year: 2024) { year nisCode activityIds } "
            "y2025: reach(year: 2025) { year nisCode activityIds } "
            "y2023: reach(year: 2023) { year nisCode activityIds } } }"
        )

        async def reach_in_both_years() -> dict[str, Any] | None:
            academy = ((await graphql(client, platform, reach_query)).get("data") or {}).get(
                "academy"
            ) or {}
            both = all(
                any(COURSE_ID in r["activityIds"] for r in academy.get(y) or [])
                for y in ("y2024", "y2025")
            )
            return academy if both else None

        academy = await eventually(reach_in_both_years, "the course's reach in 2024 and 2025")
        assert academy["y2024"] == [{"year": 2024, "nisCode": LEUVEN, "activityIds": [COURSE_ID]}]
        assert academy["y2025"] == [{"year": 2025, "nisCode": LEUVEN, "activityIds": [COURSE_ID]}]
        assert academy["y2023"] == []  # no session before September 2024
