"""Synthetic demo academies for the local run and the tests. Never real data: each is
flagged `demo` and its name starts with "[DEMO] ". Their ids are fixed: the coordinators of
deploy/keycloak/stem-realm.json name them in their `academy_id` claims."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from registry import bootstrap
from registry.adapters import academy_store
from registry.config import Settings
from registry.domain.academy import Academy
from registry.domain.profile import RawProfile
from registry.domain.recognition import Status
from registry.service_layer import participants
from registry.service_layer.academies import RegisterAcademy, register_academy
from registry.service_layer.participants import ReportParticipants
from registry.service_layer.recognition import Decide, decide, set_role

log = logging.getLogger("tools.demo")

# Fixed, so every run derives the same academy ids and seeding stays idempotent.
DEMO_NAMESPACE = uuid.UUID("6f1d0c64-3b55-4d43-9a2e-2f8d3c1a7b10")

# The organizer of the real UiTdatabank document the end-to-end test posts (an activity in
# Leuven), so that activity links to a (demo) academy.
E2E_ORGANIZER_ID = "5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83"


@dataclass(frozen=True)
class DemoAcademy:
    name: str
    home_nis_code: str
    uit_organizer_ids: tuple[str, ...]

    @property
    def academy_id(self) -> str:
        return str(uuid.uuid5(DEMO_NAMESPACE, f"academy:{self.name}"))


def _synthetic_organizer(name: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"organizer:{name}"))


DEMO_ACADEMIES = (
    DemoAcademy("[DEMO] STEM-academie Leuven Codeert", "24062", (E2E_ORGANIZER_ID,)),
    DemoAcademy(
        "[DEMO] Robotlab Kempen", "13008", (_synthetic_organizer("[DEMO] Robotlab Kempen"),)
    ),
    DemoAcademy(
        "[DEMO] Ruimtevaartclub Brugge",
        "31005",
        (_synthetic_organizer("[DEMO] Ruimtevaartclub Brugge"),),
    ),
    # Hasselt's 2025 code (71072, after the merger with Kortessem), to exercise a new NIS code.
    DemoAcademy("[DEMO] Natuurlab Hasselt", "71072", ()),
)


# A recognition history for the demo: recognised since 2023 except the last academy, whose
# application is still open. No enterprise numbers: a made-up one could be a real company's.
_RECOGNISED: tuple[tuple[Status, date], ...] = (
    ("requested", date(2022, 9, 1)),
    ("provisionally_recognised", date(2022, 10, 1)),
    ("recognised", date(2023, 10, 1)),
)
# The author the seeded decisions have carried since the registry had a seed-demo command.
DEMO_AUTHOR = "[DEMO] seed-demo"


async def seed_demo(session: AsyncSession) -> list[Academy]:
    """Register the demo academies that are not there yet, each with a recognition history,
    the Uitroller role for 2023-2025 and a participant report for 2024; returns the ones
    added (an academy already there is left as it is)."""
    added = []
    for n, demo in enumerate(DEMO_ACADEMIES):
        if await academy_store.exists(session, demo.academy_id):
            continue
        slug = demo.academy_id[:8]
        command = RegisterAcademy(
            name=demo.name,
            uit_organizer_ids=demo.uit_organizer_ids,
            home_nis_code=demo.home_nis_code,
            demo=True,
            academy_id=demo.academy_id,
            profile=RawProfile(
                website=f"https://example.org/demo/{slug}",
                contact_email=f"demo-{slug}@example.org",
                stem_partnership="[DEMO] STEM-partnerschap",
            ),
        )
        academy = await register_academy(session, command)
        added.append(academy)
        history = _RECOGNISED if n < len(DEMO_ACADEMIES) - 1 else _RECOGNISED[:1]
        for status, on in history:
            await decide(session, academy.id, Decide(status, on, "[DEMO] synthetic", DEMO_AUTHOR))
        if len(history) > 1:
            for year in (2023, 2024, 2025):
                await set_role(session, academy.id, year, "uitroller", held=True)
            report = ReportParticipants(
                year=2024, participants=40 + 10 * n, under_14=30, from_14=10 + 10 * n
            )
            await participants.report(session, academy.id, report)
    return added


async def seed_demo_academies(settings: Settings) -> None:
    """`seed_demo` in one transaction, on the registry database these settings name."""
    database = bootstrap.open_database(settings)
    try:
        async with database.session_factory.begin() as session:
            added = await seed_demo(session)
    finally:
        await database.dispose()
    log.info("demo academies seeded", extra={"added": [a.name for a in added]})
