"""Academy profiles on PostgreSQL: register with a profile, update (AcademyUpdated with the
whole state), cursor pages and filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts.registry import ACADEMY_TOPIC
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}
ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"


async def academy_events(sessions: async_sessionmaker[AsyncSession]) -> list[CloudEvent]:
    async with sessions() as session:
        rows = await session.scalars(
            select(outbox.c.envelope).where(outbox.c.topic == ACADEMY_TOPIC).order_by(outbox.c.seq)
        )
        return [CloudEvent.model_validate_json(row) for row in rows]


async def create(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await api.post("/academies", json=body, headers=OPS)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_profile_is_registered_updated_and_announced_whole(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    contract: Callable[[CloudEvent], None],
) -> None:
    academy = await create(
        api,
        name="Natuurlab Hasselt",
        enterprise_number="BE 0202.239.951",
        website="https://natuurlab.example.be",
        contact_email="Info@Natuurlab.example.be",
        stem_partnership="STEM-partnerschap Limburg",
        fixed_location={"nis_code": "71072", "postal_code": "3500", "address": "Kapelstraat 1"},
    )
    assert academy["enterprise_number"] == "0202239951"
    assert academy["contact_email"] == "info@natuurlab.example.be"
    assert academy["fixed_location"]["postal_code"] == "3500"

    patch = {"website": None, "uit_organizer_ids": [ORGANIZER], "fixed_location": None}
    updated = await api.patch(f"/academies/{academy['id']}", json=patch, headers=OPS)
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["website"] is None and body["fixed_location"] is None
    assert body["uit_organizer_ids"] == [ORGANIZER]
    assert body["enterprise_number"] == "0202239951"  # untouched
    assert body["updated_at"] is not None
    same = await api.patch(f"/academies/{academy['id']}", json=patch, headers=OPS)
    assert same.status_code == 200

    events = await academy_events(sessions)
    assert [e.type for e in events] == [
        "be.vlaio.stem.academy.registered.v1",
        "be.vlaio.stem.academy.updated.v1",
    ]  # the second, empty change is not announced
    for event in events:
        contract(event)
    assert events[0].data["fixed_location"]["nis_code"] == "71072"
    assert events[1].data["fixed_location"] is None
    assert events[1].data["uit_organizer_ids"] == [ORGANIZER]
    assert events[1].data["stem_partnership"] == "STEM-partnerschap Limburg"
    assert (await api.get(f"/academies/{academy['id']}")).json() == body


async def test_updates_are_checked_and_guarded(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await create(api, name="Codeclub Leuven", uit_organizer_ids=[ORGANIZER])
    second = await create(api, name="Robotclub Gent")
    url = f"/academies/{second['id']}"

    taken = await api.patch(url, json={"uit_organizer_ids": [ORGANIZER.upper()]}, headers=OPS)
    assert taken.status_code == 409 and taken.json()["taken"] == {ORGANIZER: first["id"]}
    bad = await api.patch(
        url,
        json={"enterprise_number": "0202.239.952", "home_nis_code": "99999", "colour": "red"},
        headers=OPS,
    )
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"enterprise_number", "colour"}
    unknown_code = await api.patch(url, json={"home_nis_code": "99999"}, headers=OPS)
    assert unknown_code.status_code == 422
    assert (await api.patch(url, json={"name": "x"})).status_code == 403  # a reader's token
    missing = "/academies/00000000-0000-4000-8000-000000000000"
    assert (await api.patch(missing, json={"name": "x"}, headers=OPS)).status_code == 404
    assert len(await academy_events(sessions)) == 2


async def test_pages_follow_the_cursor_and_filters_apply(api: httpx.AsyncClient) -> None:
    names = [f"Academie {n:02d}" for n in range(7)]
    for n, name in enumerate(names):
        await create(api, name=name, home_nis_code="24062" if n % 2 else "44021")

    seen: list[str] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = await api.get("/academies", params=params)
        assert page.status_code == 200
        seen += [a["name"] for a in page.json()]
        cursor = page.headers.get("X-Next-Cursor")
        if cursor is None:
            break
        assert 'rel="next"' in page.headers["Link"]
        params = {"limit": 3, "cursor": cursor}
    assert seen == names
    leuven = await api.get("/academies", params={"home_nis_code": "24062"})
    assert [a["name"] for a in leuven.json()] == names[1::2]
    assert len((await api.get("/academies", params={"name_contains": "ie 0_"})).json()) == 0
    assert len((await api.get("/academies", params={"name_contains": "ie 03"})).json()) == 1
    assert (await api.get("/academies", params={"demo": True})).json() == []
    assert (await api.get("/academies", params={"cursor": "nonsense"})).status_code == 422
    assert (await api.get("/academies", params={"limit": 0})).status_code == 422
