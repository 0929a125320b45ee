"""Registry events -> the subsidy service's copies, and reach re-evaluated on recognition."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.registry import (
    AcademyRegistered,
    Centroid,
    FixedLocation,
    MunicipalityDefined,
    RecognitionDecided,
    RoleAssigned,
    RoleRevoked,
)
from stemkit.eventing import CloudEvent
from stemkit.storage.db import outbox
from subsidy.adapters import registry_copy
from subsidy.adapters.reach_of_academies import reach_of
from subsidy.service_layer.unrecognised import unrecognised_proofs

Sessions = async_sessionmaker[AsyncSession]
Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]


def registry_event(payload: object) -> CloudEvent:
    return CATALOG.new_event(payload, source="/stem/registry")  # type: ignore[arg-type]


def decision(n: int, status: str, start: date, until: date | None = None) -> CloudEvent:
    return registry_event(
        RecognitionDecided(
            academy_id="acad-1",
            decision_id=f"d{n}",
            status=status,
            decided_on=start,
            valid_from=start,
            valid_until=until,
            reason="test",
            author="vlaio",
        )
    )


async def flags(sessions: Sessions) -> list[tuple[int, bool]]:
    async with sessions() as session:
        rows = await session.execute(select(outbox.c.envelope).order_by(outbox.c.seq))
        data = [json.loads(envelope)["data"] for (envelope,) in rows]
    return [(d["year"], d["reached"]) for d in data]


async def test_a_recognition_decision_re_evaluates_the_academys_reach(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published(starts=("2023-03-01T10:00:00+01:00", "2023-09-01T10:00:00+02:00")))
    assert await flags(sessions) == []  # no decision at all yet: not recognised, no reach
    async with sessions() as session:
        apart = await unrecognised_proofs(session, 2023)
    assert {(p.academy_id, p.activity_id) for p in apart} == {("acad-1", "act-1")}

    await deliver(decision(1, "recognised", date(2021, 1, 1), until=date(2023, 6, 30)))
    async with sessions() as session:
        assert len(await reach_of(session, ["acad-1"], 2023)) == 1  # March counts
        assert await unrecognised_proofs(session, 2023) == frozenset()

    await deliver(decision(2, "withdrawn", date(2022, 1, 1)))
    assert await flags(sessions) == [(2023, True), (2023, False)]

    await deliver(decision(3, "recognised", date(2023, 9, 1)))  # September counts again
    assert await flags(sessions) == [(2023, True), (2023, False), (2023, True)]


async def test_academies_roles_and_municipalities_are_copied(
    sessions: Sessions, deliver: Deliver
) -> None:
    await deliver(
        registry_event(
            AcademyRegistered(
                academy_id="acad-1",
                name="Sterrenwacht",
                fixed_location=FixedLocation(nis_code="24062", postal_code="3000"),
            )
        )
    )
    await deliver(registry_event(RoleAssigned(academy_id="acad-1", year=2023, role="uitroller")))
    await deliver(registry_event(RoleAssigned(academy_id="acad-1", year=2023, role="gangmaker")))
    await deliver(registry_event(RoleRevoked(academy_id="acad-1", year=2023, role="gangmaker")))
    await deliver(
        registry_event(
            MunicipalityDefined(
                nis_code="23106",
                name_nl="Pajottegem",
                province_nl="Vlaams-Brabant",
                valid_from=date(2025, 1, 1),
                postal_codes=["1570", "1540", "1755"],
                centroid=Centroid(latitude=50.75, longitude=4.05),
            )
        )
    )
    async with sessions() as session:
        academies = await registry_copy.academies_in(session, 2023)
        gazetteer = await registry_copy.gazetteer(session)
    assert academies["acad-1"].roles == {"uitroller"}
    assert academies["acad-1"].fixed_postal_code == "3000"
    pajottegem = gazetteer.by_nis["23106"]
    assert pajottegem.postal_codes == ("1540", "1570", "1755")
    assert [m.nis_code for m in gazetteer.of_year(2025)] == ["23106"]
    assert gazetteer.of_year(2024) == []


@pytest.mark.usefixtures("recognised")
async def test_a_new_postal_code_in_a_reached_municipality_is_announced(
    sessions: Sessions, deliver: Deliver, published: EventFactory
) -> None:
    await deliver(published("act-1", postal_code="9000"))
    await deliver(published("act-2", postal_code="9030"))
    async with sessions() as session:
        rows = await session.execute(select(outbox.c.envelope).order_by(outbox.c.seq))
        data = [json.loads(envelope)["data"] for (envelope,) in rows]
    assert [(d["reached"], d["postal_codes"]) for d in data] == [
        (True, ["9000"]),
        (True, ["9000", "9030"]),
    ]
