"""The academies API on PostgreSQL: the write and its outbox event commit together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.adapters.orm import academies, academy_organizers
from registry.entrypoints.api import create_app
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import ACADEMY_TOPIC, AcademyRegistered
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox

pytestmark = pytest.mark.postgres

ORGANIZER = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"
OTHER = "0f4b8c1e-9a2d-4e6f-8b3c-5d7e9f1a2b3c"


def ops(token: str = "registry-test-ops-token-at-least-32-chars") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    body.setdefault("name", "Codeclub Leuven")
    return await client.post("/academies", json=body, headers=ops())


async def academy_state(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """(academies, organizer links, academy events in the outbox)."""
    async with sessions() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(academies)),
            await session.scalar(select(func.count()).select_from(academy_organizers)),
            await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.topic == ACADEMY_TOPIC)
            ),
        ]
    return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0))


async def test_registering_stores_the_academy_and_exactly_one_valid_event(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    contract: Callable[[CloudEvent], None],
) -> None:
    response = await register(
        api,
        name="  Codeclub   Leuven ",
        uit_organizer_ids=[f"https://io.uitdatabank.be/organizers/{ORGANIZER.upper()}"],
        home_nis_code="24062",
    )

    assert response.status_code == 201, response.text
    academy = response.json()
    assert academy["name"] == "Codeclub Leuven"
    assert academy["uit_organizer_ids"] == [ORGANIZER]
    assert academy["home_nis_code"] == "24062"
    assert academy["demo"] is False
    assert response.headers["Location"] == f"/academies/{academy['id']}"
    assert await academy_state(sessions) == (1, 1, 1)

    async with sessions() as session:
        row = (await session.execute(select(outbox).where(outbox.c.topic == ACADEMY_TOPIC))).one()
    event = CloudEvent.model_validate_json(row.envelope)
    contract(event)
    payload = CATALOG.parse(event)
    assert isinstance(payload, AcademyRegistered)
    assert payload.academy_id == academy["id"] == event.subject == row.key
    assert payload.uit_organizer_ids == [ORGANIZER]
    assert payload.home_nis_code == "24062"
    assert event.source == "/stem/registry"
    assert row.event_type == event.type == "be.vlaio.stem.academy.registered.v1"
    assert row.sent_at is None

    fetched = await api.get(f"/academies/{academy['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == academy


@pytest.mark.parametrize(
    ("headers", "refusal"),
    [
        ({}, 403),  # the client's default: the gateway's token, which may read, not write
        (ops("wrong-token"), 401),
        ({"Authorization": "registry-test-ops-token-at-least-32-chars"}, 401),
    ],
    ids=["a reading token", "wrong token", "no bearer scheme"],
)
async def test_without_the_ops_token_nothing_is_written(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    headers: dict[str, str],
    refusal: int,
) -> None:
    response = await api.post(
        "/academies",
        json={"name": "Codeclub Leuven", "uit_organizer_ids": [ORGANIZER]},
        headers=headers,
    )

    assert response.status_code == refusal
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert await academy_state(sessions) == (0, 0, 0)


async def test_an_organizer_of_another_academy_is_a_conflict(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await register(api, name="Codeclub Leuven", uit_organizer_ids=[ORGANIZER])
    assert first.status_code == 201

    second = await register(
        api, name="Robotclub Leuven", uit_organizer_ids=[OTHER, ORGANIZER.upper()]
    )

    assert second.status_code == 409, second.text
    assert second.json()["taken"] == {ORGANIZER: first.json()["id"]}
    assert await academy_state(sessions) == (1, 1, 1)  # not even the free organizer id


async def test_two_racing_registrations_of_one_organizer_give_one_academy(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    responses = await asyncio.gather(
        *(register(api, name=f"Club {n}", uit_organizer_ids=[ORGANIZER]) for n in range(4))
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert await academy_state(sessions) == (1, 1, 1)


async def test_bad_input_is_refused_naming_each_bad_field(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await register(
        api, name="   ", uit_organizer_ids=[ORGANIZER, "nope"], home_nis_code="2406"
    )

    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert locations == {
        ("body", "name"),
        ("body", "uit_organizer_ids", 1),
        ("body", "home_nis_code"),
    }
    assert await academy_state(sessions) == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "[DEMO] Not really"}, "name"),
        ({"name": "Codeclub", "demo": True}, "name"),
        ({"name": "Codeclub", "home_nis_code": "99999"}, "home_nis_code"),
        ({"name": "Codeclub", "colour": "blue"}, "colour"),
        ({"uit_organizer_ids": [ORGANIZER]}, "name"),
    ],
    ids=[
        "demo label",
        "demo without its label",
        "unknown municipality",
        "unknown field",
        "missing name",
    ],
)
async def test_more_bad_input(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    body: dict[str, Any],
    field: str,
) -> None:
    response = await api.post("/academies", json=body, headers=ops())

    assert response.status_code == 422, response.text
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]
    assert await academy_state(sessions) == (0, 0, 0)


async def test_a_demo_academy_is_registered_flagged_with_its_label(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """tools/flanders loads [DEMO] academies through this API (issue 16)."""
    response = await register(api, name="[DEMO] Codeerclub Gent", demo=True)

    assert response.status_code == 201, response.text
    assert response.json()["demo"] is True
    assert response.json()["name"] == "[DEMO] Codeerclub Gent"
    assert await academy_state(sessions) == (1, 0, 1)


async def test_production_refuses_demo_academies(settings: Any) -> None:
    # Production admits no shared ops token (issue 21): the caller is the CLI, allowed to edit.
    production = settings.model_copy(
        update={"environment": "production", "caller_scopes": {"cli": ["read", "write", "edit"]}}
    )
    app = create_app(production)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        response = await client.post(
            "/academies",
            json={"name": "[DEMO] Codeerclub Gent", "demo": True},
            headers={"Authorization": f"Bearer {production.cli_token.get_secret_value()}"},
        )

    assert response.status_code == 422, response.text
    assert [error["loc"][-1] for error in response.json()["detail"]] == ["demo"]
