"""Loading the municipalities reference data: idempotent, one event per changed municipality."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import boundaries, municipality_store
from registry.domain.municipality import Municipality
from registry.service_layer.academies import EVENT_SOURCE
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import Centroid, MunicipalityDefined
from stemkit.eventing.outbox import add_event


@dataclass(frozen=True)
class LoadResult:
    added: int
    changed: int
    unchanged: int


async def load_reference(
    session: AsyncSession,
    municipalities: Sequence[Municipality],
    postal_codes: Mapping[str, Sequence[str]],
    *,
    announce_all: bool = False,
) -> LoadResult:
    """Bring the tables in line with the given reference data.

    A municipality (with its postal codes) that is new or differs from the stored one is
    written and announced with `MunicipalityDefined`; one that is already up to date is left
    alone, so a second run changes nothing and emits nothing. Rows that are no longer in the
    data are kept: municipalities are history, not something to forget. `announce_all`
    announces the unchanged ones too (e.g. so that readers get a field added to the event,
    such as the centroid or the boundary, for municipalities loaded before it existed). Rows
    never announced with their boundary (loaded before it was published) are announced
    again without being asked, once.
    """
    stored = {(m.nis_code, m.valid_from): m for m in await municipality_store.all_rows(session)}
    stored_postal = await municipality_store.postal_codes_by_nis(session)
    # Rows loaded before the event carried the boundary are announced once more, with it.
    without_boundary = await municipality_store.not_announced_with_boundary(session)
    new: list[Municipality] = []
    new_postal: dict[str, list[str]] = {}
    changed = unchanged = 0
    for municipality in municipalities:
        codes = sorted(postal_codes.get(municipality.nis_code, ()))
        before = stored.get((municipality.nis_code, municipality.valid_from))
        if before == municipality and stored_postal.get(municipality.nis_code, []) == codes:
            unchanged += 1
            if announce_all or (municipality.nis_code, municipality.valid_from) in without_boundary:
                await _announce(session, municipality, codes)
            continue
        if before is None:
            new.append(municipality)
        else:
            changed += 1
            await municipality_store.update_row(session, municipality)
        if stored_postal.get(municipality.nis_code, []) != codes:
            new_postal[municipality.nis_code] = codes
        await _announce(session, municipality, codes)
    await municipality_store.insert_rows(session, new)
    await municipality_store.replace_postal_codes(session, new_postal)
    await municipality_store.mark_announced_with_boundary(session)
    return LoadResult(added=len(new), changed=changed, unchanged=unchanged)


async def _announce(
    session: AsyncSession, municipality: Municipality, postal_codes: Sequence[str]
) -> None:
    event = CATALOG.new_event(defined(municipality, postal_codes), source=EVENT_SOURCE)
    await add_event(session, CATALOG, event)


def defined(municipality: Municipality, postal_codes: Sequence[str]) -> MunicipalityDefined:
    return MunicipalityDefined(
        nis_code=municipality.nis_code,
        name_nl=municipality.name_nl,
        province_nl=municipality.province_nl,
        valid_from=municipality.valid_from,
        valid_to=municipality.valid_to,
        merged_into_nis=municipality.merged_into_nis,
        postal_codes=list(postal_codes),
        centroid=centroid(municipality),
        boundary=boundary(municipality),
    )


def _period_day(municipality: Municipality) -> date:
    """The day whose boundaries are the municipality's: the last day of one that ceased
    (before 2025: the 2019 file), else 2025 or later. A municipality valid in both periods
    (unchanged by the 2025 mergers) therefore takes the 2025 geometry, the newest, should
    the two files draw it differently."""
    return municipality.valid_to or max(municipality.valid_from, boundaries.MERGERS_TAKE_EFFECT)


def boundary(municipality: Municipality) -> dict[str, Any] | None:
    """The municipality's polygon (a GeoJSON geometry, WGS84) of its own period."""
    return boundaries.geometry(municipality.nis_code, _period_day(municipality))


def centroid(municipality: Municipality) -> Centroid | None:
    """A point inside the municipality, on the boundaries of its own period (the last day of
    a municipality that ceased; the current boundaries otherwise)."""
    point = boundaries.inside_point(municipality.nis_code, _period_day(municipality))
    return None if point is None else Centroid(longitude=point[0], latitude=point[1])
