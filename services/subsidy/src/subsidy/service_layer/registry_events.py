"""Use cases: the registry's events -> the subsidy service's copy of academies, recognition,
roles and municipalities (and the reach and runs they affect)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts.registry import (
    AcademyProfile,
    MunicipalityDefined,
    RecognitionDecided,
    RoleAssigned,
    RoleRevoked,
)
from subsidy.adapters import dirty_years, reach_store
from subsidy.adapters import registry_copy as store
from subsidy.adapters.orm import (
    academies,
    academy_roles,
    municipalities,
    recognition_decisions,
)
from subsidy.service_layer.reach import recompute_academy


async def record_academy(session: AsyncSession, profile: AcademyProfile) -> None:
    fixed = profile.fixed_location
    row = {
        "academy_id": profile.academy_id,
        "name": profile.name,
        "demo": profile.demo,
        "home_nis_code": profile.home_nis_code,
        "fixed_nis_code": fixed.nis_code if fixed else None,
        "fixed_postal_code": fixed.postal_code if fixed else None,
    }
    await store.upsert(session, academies, [row], ["academy_id"])
    await dirty_years.mark_dirty(
        session, await reach_store.years_of_academy(session, profile.academy_id)
    )


async def record_recognition(session: AsyncSession, decision: RecognitionDecided) -> None:
    row = {
        "decision_id": decision.decision_id,
        "academy_id": decision.academy_id,
        "status": decision.status,
        "decided_on": decision.decided_on,
        "valid_from": decision.valid_from,
        "valid_until": decision.valid_until,
    }
    await store.upsert(session, recognition_decisions, [row], ["decision_id"])
    await recompute_academy(session, decision.academy_id)
    # Each paid line names the decisions in force (Line.recognition): recalculate the years
    # the academy has reach in, even when this decision changed none of it.
    await dirty_years.mark_dirty(
        session, await reach_store.years_of_academy(session, decision.academy_id)
    )


async def record_role(session: AsyncSession, change: RoleAssigned | RoleRevoked) -> None:
    key = {"academy_id": change.academy_id, "year": change.year, "role": change.role}
    if isinstance(change, RoleAssigned):
        await store.upsert(session, academy_roles, [key], list(key))
    else:
        await store.remove_role(session, change.academy_id, change.year, change.role)
    await dirty_years.mark_dirty(session, [change.year])


COPIED_MUNICIPALITY_FIELDS = {
    "nis_code", "name_nl", "province_nl", "valid_from", "valid_to", "merged_into_nis"
}  # fmt: skip


async def record_municipality(session: AsyncSession, m: MunicipalityDefined) -> None:
    # The copy keeps the event's own fields by their names, and the centroid as two columns.
    row = m.model_dump(include=COPIED_MUNICIPALITY_FIELDS) | {
        "latitude": m.centroid.latitude if m.centroid else None,
        "longitude": m.centroid.longitude if m.centroid else None,
    }
    await store.upsert(session, municipalities, [row], ["nis_code"])
    await store.replace_postal_codes(session, m.nis_code, m.postal_codes)
    last = (m.valid_to or date.today()).year
    await dirty_years.mark_dirty(session, range(m.valid_from.year, last + 1))
