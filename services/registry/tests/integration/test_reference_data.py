"""`cli load-reference` on PostgreSQL: the municipalities, their postal codes and one
`MunicipalityDefined` event each, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy import FromClause, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.adapters import boundaries
from registry.adapters.orm import municipalities, postal_codes
from registry.config import Settings
from registry.entrypoints.cli import load_reference_data
from registry.service_layer.municipalities import valid_in
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import MUNICIPALITY_TOPIC, MunicipalityDefined
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox

pytestmark = pytest.mark.postgres

Count = Callable[[FromClause], Awaitable[int]]


async def _events(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, CloudEvent]]:
    async with sessions() as session:
        rows = await session.execute(
            select(outbox.c.topic, outbox.c.envelope).order_by(outbox.c.seq)
        )
        return [(topic, CloudEvent.model_validate_json(env)) for topic, env in rows]


async def test_loading_twice_stores_every_municipality_and_announces_each_once(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    count: Count,
    contract: Callable[[CloudEvent], None],
) -> None:
    await load_reference_data(settings)

    assert await count(municipalities) == 312
    assert await count(postal_codes) == 522
    async with sessions() as session:
        assert len(await valid_in(session, 2019)) == 300
        assert len(await valid_in(session, 2024)) == 300
        assert len(await valid_in(session, 2025)) == 285
    events = await _events(sessions)
    assert len(events) == 312
    assert {topic for topic, _ in events} == {MUNICIPALITY_TOPIC}
    for _, event in events:
        contract(event)
    payloads = [CATALOG.parse(event) for _, event in events]
    assert all(isinstance(p, MunicipalityDefined) for p in payloads)
    assert len({event.subject for _, event in events}) == 312  # the key: one per NIS code
    leuven = next(e for _, e in events if e.subject == "24062")
    assert leuven.data["postal_codes"] == ["3000", "3001", "3010", "3012", "3018"]
    assert all(e.data["centroid"] is not None for _, e in events)
    assert (
        boundaries.locate(
            leuven.data["centroid"]["longitude"],
            leuven.data["centroid"]["latitude"],
            date(2025, 1, 1),
        )
        == "24062"
    )
    hasselt_before = next(e for _, e in events if e.subject == "71022")
    assert hasselt_before.data["valid_to"] == "2024-12-31"
    assert hasselt_before.data["merged_into_nis"] == "71072"
    assert hasselt_before.data["postal_codes"] == []  # postal codes are known for 2025 only
    # Boundaries: each of its own period (a ceased one the 2019 file's, the rest 2025's).
    assert all(e.data["boundary"]["type"] in ("Polygon", "MultiPolygon") for _, e in events)
    assert hasselt_before.data["boundary"] == boundaries.geometry("71022", date(2024, 12, 31))
    hasselt_after = next(e for _, e in events if e.subject == "71072")
    assert hasselt_after.data["boundary"] == boundaries.geometry("71072", date(2025, 1, 1))
    assert leuven.data["boundary"] == boundaries.geometry("24062", date(2025, 1, 1))

    await load_reference_data(settings)

    assert await count(outbox) == 312
    assert await count(municipalities) == 312
    assert await count(postal_codes) == 522


async def test_a_changed_municipality_is_updated_and_announced_again(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], count: Count
) -> None:
    await load_reference_data(settings)
    async with sessions.begin() as session:
        await session.execute(
            municipalities.update()
            .where(municipalities.c.nis_code == "24062")
            .values(name_nl="Loven")
        )
        await session.execute(postal_codes.delete().where(postal_codes.c.postal_code == "3001"))

    await load_reference_data(settings)

    events = await _events(sessions)
    assert len(events) == 313
    assert events[-1][1].subject == "24062"
    assert events[-1][1].data["name_nl"] == "Leuven"
    assert "3001" in events[-1][1].data["postal_codes"]
    assert await count(postal_codes) == 522


async def test_announcing_all_again_repeats_every_municipality_and_writes_nothing(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], count: Count
) -> None:
    await load_reference_data(settings)
    await load_reference_data(settings, announce_all=True)

    events = await _events(sessions)
    assert len(events) == 2 * 312
    assert [e.data for _, e in events[:312]] == [e.data for _, e in events[312:]]
    assert await count(municipalities) == 312


async def test_rows_loaded_before_the_boundary_was_published_are_announced_again_once(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await load_reference_data(settings)
    async with sessions.begin() as session:  # as a database loaded before revision 0003
        await session.execute(municipalities.update().values(boundary_announced=False))

    await load_reference_data(settings)
    await load_reference_data(settings)

    events = await _events(sessions)
    assert len(events) == 2 * 312
    assert all(e.data["boundary"] is not None for _, e in events[312:])
