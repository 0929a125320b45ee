"""Use cases on academies. Each takes a session inside the caller's transaction, so the state
change and its outbox event commit together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store, municipality_store
from registry.config import SERVICE
from registry.domain.academy import Academy, InvalidAcademy
from registry.domain.profile import RawProfile
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import AcademyProfile, AcademyRegistered, FixedLocation
from stemkit.eventing.outbox import add_event

EVENT_SOURCE = f"/stem/{SERVICE}"


class OrganizerTaken(Exception):
    """An organizer id already belongs to another academy (one organizer, one academy)."""

    def __init__(self, taken: dict[str, str]) -> None:
        owners = ", ".join(f"{o} (academy {a})" for o, a in sorted(taken.items()))
        super().__init__(
            f"organizer ids already belong to another academy: {owners}"
            if taken
            else "an organizer id was taken by a concurrent registration"
        )
        self.taken = taken


@dataclass(frozen=True)
class RegisterAcademy:
    name: str
    uit_organizer_ids: Sequence[str] = field(default_factory=tuple)
    home_nis_code: str | None = None
    demo: bool = False
    academy_id: str | None = None
    profile: RawProfile = field(default_factory=RawProfile)


async def register_academy(
    session: AsyncSession, command: RegisterAcademy, *, now: datetime | None = None
) -> Academy:
    """Add an academy and its `AcademyRegistered` event to the outbox.

    Raises InvalidAcademy (naming each bad field) or OrganizerTaken; the caller rolls back.
    """
    academy = Academy.register(
        name=command.name,
        uit_organizer_ids=command.uit_organizer_ids,
        home_nis_code=command.home_nis_code,
        created_at=now or datetime.now(UTC),
        demo=command.demo,
        academy_id=command.academy_id,
        profile=command.profile,
    )
    await check_references(session, academy)
    try:
        await academy_store.add(session, academy)
    except IntegrityError as exc:
        # Another registration claimed an organizer id between our check and our insert;
        # the primary key on organizer_id refused it.
        raise OrganizerTaken({}) from exc
    await announce(session, profile_payload(academy, AcademyRegistered))
    return academy


async def check_references(session: AsyncSession, academy: Academy) -> None:
    """The municipalities named exist; the organizer ids belong to no other academy."""
    errors = {}
    site = academy.profile.fixed_site
    for field_name, code in (
        ("home_nis_code", academy.home_nis_code),
        ("fixed_location", site.nis_code if site else None),
    ):
        if code and not await municipality_store.known(session, code):
            errors[field_name] = f"no municipality has NIS code {code}"
    if errors:
        raise InvalidAcademy(errors)
    owners = await academy_store.organizer_owners(session, academy.uit_organizer_ids)
    taken = {o: owner for o, owner in owners.items() if owner != academy.id}
    if taken:
        raise OrganizerTaken(taken)


async def announce(session: AsyncSession, payload: BaseModel) -> None:
    await add_event(session, CATALOG, CATALOG.new_event(payload, source=EVENT_SOURCE))


P = TypeVar("P", bound=AcademyProfile)


def profile_payload(academy: Academy, kind: type[P]) -> P:
    """The whole current state of an academy, as `AcademyRegistered` or `AcademyUpdated`."""
    profile, site = academy.profile, academy.profile.fixed_site
    return kind(
        academy_id=academy.id,
        name=academy.name,
        uit_organizer_ids=list(academy.uit_organizer_ids),
        home_nis_code=academy.home_nis_code,
        demo=academy.demo,
        enterprise_number=profile.enterprise_number,
        website=profile.website,
        contact_email=profile.contact_email,
        stem_partnership=profile.stem_partnership,
        fixed_location=FixedLocation(
            nis_code=site.nis_code, postal_code=site.postal_code, address=site.address
        )
        if site
        else None,
    )


async def get_academy(session: AsyncSession, academy_id: str) -> Academy | None:
    found = await academy_store.get_many(session, [academy_id.strip().lower()])
    return found[0] if found else None


async def get_academies(session: AsyncSession, ids: Sequence[str]) -> list[Academy]:
    """The academies with these ids in the order asked (unknown ones left out)."""
    wanted = list(dict.fromkeys(i.strip().lower() for i in ids if i.strip()))
    return await academy_store.get_many(session, wanted)


async def list_academies(
    session: AsyncSession,
    filters: academy_store.Filters | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 100,
) -> list[Academy]:
    """One page of academies in (name, id) order, after the key `after`."""
    return await academy_store.page(session, filters or academy_store.Filters(), after, limit)
