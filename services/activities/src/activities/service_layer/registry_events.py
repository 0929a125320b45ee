"""Keeping this service's copy of registry data, from the registry's events.

The consumer calls `handle_registry_event` inside its transaction (with the inbox row that
makes redelivery harmless) for the types in `HANDLED_TYPES`; the consumer skips the
topics' other types (and counts them), and dead-letters unknown ones (ADR 0009).
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from activities.adapters import poll_state, registry_copy
from activities.domain.municipalities import Municipality
from activities.service_layer.catalogue import relink
from stemkit.contracts import registry
from stemkit.contracts.registry import (
    AcademyProfile,
    AcademyRegistered,
    AcademyUpdated,
    MunicipalityDefined,
)
from stemkit.events import CloudEvent

_WANTED: dict[str, type[BaseModel]] = {
    t.name: t.payload
    for t in registry.EVENT_TYPES
    if t.payload in (AcademyRegistered, AcademyUpdated, MunicipalityDefined)
}

TOPICS = (registry.ACADEMY_TOPIC, registry.MUNICIPALITY_TOPIC)
HANDLED_TYPES = frozenset(_WANTED)  # the consumer skips (and counts) the topics' other types


async def handle_registry_event(session: AsyncSession, event: CloudEvent) -> None:
    payload_type = _WANTED.get(event.type)
    if payload_type is None:
        return
    payload = payload_type.model_validate(event.data)
    if isinstance(payload, MunicipalityDefined):
        await on_municipality_defined(session, payload)
    elif isinstance(payload, AcademyProfile):
        await on_academy_profile(session, payload)


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
