"""Keeping this service's copy of registry data, from the registry's events: the use cases
`service_layer/handlers.py` routes them to.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import poll_state, registry_copy
from activities.domain.municipalities import Municipality
from activities.service_layer.catalogue import relink
from stemkit.contracts.registry import AcademyProfile, MunicipalityDefined


async def on_municipality_defined(session: AsyncSession, event: MunicipalityDefined) -> None:
    municipality = Municipality(
        nis_code=event.nis_code,
        name_nl=event.name_nl,
        valid_from=event.valid_from,
        valid_to=event.valid_to,
        province_nl=event.province_nl,
        centroid=(event.centroid.latitude, event.centroid.longitude) if event.centroid else None,
        merged_into_nis=event.merged_into_nis,
    )
    before = await registry_copy.save_municipality(
        session, municipality, event.postal_codes, event.boundary
    )
    # Activities stored before this municipality was known get their NIS code now; those
    # at postal codes it lost are resolved again too, and (with a boundary) those known
    # only by coordinates that nothing resolved yet.
    # A municipality merged into another is one of the successor's postal codes' answers
    # before the merger.
    successor_codes: set[str] = set()
    if event.merged_into_nis:
        successor_codes = await registry_copy.postal_codes_of(session, event.merged_into_nis)
    await relink(
        session,
        postal_codes=before | set(event.postal_codes) | successor_codes,
        unresolved_without_postal_code=event.boundary is not None,
    )


async def on_academy_profile(session: AsyncSession, event: AcademyProfile) -> None:
    """Registered or updated: the academy's organizers are exactly these now. Activities
    of an organizer linked later become the academy's (and listed); of one unlinked, no
    academy's. One linked now gets its whole history pulled by the poller (issue 15)."""
    organizer_ids = [organizer_id.strip().lower() for organizer_id in event.uit_organizer_ids]
    await poll_state.request_history(session, event.academy_id, organizer_ids)
    dropped = await registry_copy.link_organizers(session, event.academy_id, organizer_ids)
    await relink(session, organizer_ids=[*organizer_ids, *dropped])
