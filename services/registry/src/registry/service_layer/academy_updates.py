"""Changing an academy's registration: the whole new state is checked again and announced
with `AcademyUpdated`; a change that changes nothing is not announced."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store
from registry.domain.academy import Academy
from registry.domain.profile import raw_of
from registry.service_layer.academies import (
    OrganizerTaken,
    announce,
    check_references,
    profile_payload,
)
from stemkit.contracts.registry import AcademyUpdated

PROFILE_FIELDS = frozenset({"enterprise_number", "website", "contact_email", "stem_partnership"})
FIELDS = PROFILE_FIELDS | {"name", "uit_organizer_ids", "home_nis_code", "fixed_location"}


async def update_academy(
    session: AsyncSession,
    academy_id: str,
    changes: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Academy | None:
    """Apply `changes` (field -> new raw value; a field left out stays as it is).

    `fixed_location` is None (no fixed site) or a mapping with `nis_code`, `postal_code`,
    `address`. Returns None for an unknown academy; raises InvalidAcademy or OrganizerTaken.
    """
    unknown = set(changes) - FIELDS
    if unknown:
        raise ValueError(f"not fields of an academy: {sorted(unknown)}")
    wanted = academy_id.strip().lower()
    # The row lock serialises concurrent updates of one academy (PostgreSQL).
    if not await academy_store.lock(session, wanted):
        return None
    (current,) = await academy_store.get_many(session, [wanted])
    raw = dataclasses.replace(
        raw_of(current.profile), **{k: v for k, v in changes.items() if k in PROFILE_FIELDS}
    )
    if "fixed_location" in changes:
        site: Mapping[str, str | None] | None = changes["fixed_location"]
        raw = dataclasses.replace(
            raw,
            fixed_site=site is not None,
            fixed_nis_code=(site or {}).get("nis_code"),
            fixed_postal_code=(site or {}).get("postal_code"),
            fixed_address=(site or {}).get("address"),
        )
    organizers: Sequence[str] = changes.get("uit_organizer_ids", current.uit_organizer_ids)
    updated = Academy.register(
        name=changes.get("name", current.name),
        uit_organizer_ids=organizers,
        home_nis_code=changes.get("home_nis_code", current.home_nis_code),
        created_at=current.created_at,
        demo=current.demo,
        academy_id=current.id,
        profile=raw,
        updated_at=current.updated_at,
    )
    if updated == current:
        return current
    updated = dataclasses.replace(updated, updated_at=now or datetime.now(UTC))
    await check_references(session, updated)
    try:
        async with session.begin_nested():
            await academy_store.replace(session, updated)
    except IntegrityError as exc:
        raise OrganizerTaken({}) from exc
    await announce(session, profile_payload(updated, AcademyUpdated))
    return updated
