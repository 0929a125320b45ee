"""Synthetic demo academies for the local run and the end-to-end test. Never real data:
each is flagged `demo` and its name starts with "[DEMO] "."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store
from registry.domain.academy import Academy
from registry.service_layer.academies import RegisterAcademy, register_academy

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


async def seed_demo(session: AsyncSession) -> list[Academy]:
    """Register the demo academies that are not there yet; returns the ones added."""
    added = []
    for demo in DEMO_ACADEMIES:
        if await academy_store.exists(session, demo.academy_id):
            continue
        command = RegisterAcademy(
            name=demo.name,
            uit_organizer_ids=demo.uit_organizer_ids,
            home_nis_code=demo.home_nis_code,
            demo=True,
            academy_id=demo.academy_id,
        )
        added.append(await register_academy(session, command))
    return added
