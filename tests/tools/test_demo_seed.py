"""`python -m tools.demo seed`: the [DEMO] academies, once, with their events, in the
registry's database; refused before the reference data."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.adapters.orm import academies
from registry.bootstrap import MIGRATIONS, database_url, open_database
from registry.config import Settings
from registry.entrypoints import cli
from registry.service_layer.academies import list_academies
from registry.service_layer.recognition import recognised_on
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import ACADEMY_TOPIC, AcademyRegistered
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox
from stemkit.storage.migrations import upgrade_to_head
from tools.demo import __main__ as demo
from tools.demo.academies import DEMO_ACADEMIES, E2E_ORGANIZER_ID, seed_demo_academies

pytestmark = pytest.mark.postgres


@pytest.fixture
async def settings(pg_database_url: str) -> Settings:
    """Settings of a registry on a fresh, migrated PostgreSQL database."""
    await asyncio.to_thread(upgrade_to_head, pg_database_url, MIGRATIONS)
    return Settings(
        database_url=pg_database_url,
        ops_token=SecretStr("demo-test-ops-token-at-least-32-chars"),
        environment="test",
        kafka_bootstrap_servers="127.0.0.1:1",
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    database = open_database(settings)
    yield database.session_factory
    await database.dispose()


async def _academy_events(sessions: async_sessionmaker[AsyncSession]) -> list[CloudEvent]:
    async with sessions() as session:
        envelopes = await session.scalars(
            select(outbox.c.envelope).where(outbox.c.topic == ACADEMY_TOPIC)
        )
        return [CloudEvent.model_validate_json(e) for e in envelopes]


async def test_seeding_twice_adds_the_demo_academies_once(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await cli.load_reference_data(settings)
    await seed_demo_academies(settings)
    await seed_demo_academies(settings)

    async with sessions() as session:
        seeded = await list_academies(session)
        demo_flags = list(await session.scalars(select(academies.c.demo)))
    assert len(seeded) == len(DEMO_ACADEMIES)
    assert all(a.name.startswith("[DEMO] ") for a in seeded)
    assert demo_flags == [True] * len(DEMO_ACADEMIES)
    owner = next(a for a in seeded if E2E_ORGANIZER_ID in a.uit_organizer_ids)
    assert owner.home_nis_code == "24062"

    events = await _academy_events(sessions)
    registered = [CATALOG.parse(e) for e in events if e.type.endswith(".registered.v1")]
    assert len(registered) == len(DEMO_ACADEMIES)
    assert all(isinstance(p, AcademyRegistered) and p.demo for p in registered)
    kinds = Counter(e.type.split(".")[-2] for e in events)
    recognised = len(DEMO_ACADEMIES) - 1  # the last one has only applied
    assert kinds == {
        "registered": len(DEMO_ACADEMIES),
        "recognition_decided": 3 * recognised + 1,
        "role_assigned": 3 * recognised,
        "participants_reported": recognised,
    }
    decided = [e for e in events if e.type.endswith("recognition_decided.v1")]
    assert all(e.data["author"].startswith("[DEMO]") for e in decided)
    async with sessions() as session:
        on = await recognised_on(session, date(2025, 6, 1))
        assert len(on) == recognised


async def test_seeding_before_the_reference_data_fails_and_writes_nothing(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url(settings))

    # In a thread: the command runs its own event loop.
    assert await asyncio.to_thread(demo.main, ["seed"]) == 1

    async with sessions() as session:
        assert await list_academies(session) == []
    assert await _academy_events(sessions) == []
