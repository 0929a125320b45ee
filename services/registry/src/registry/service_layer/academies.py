"""Use cases on academies. Each takes a session inside the caller's transaction, so the state
change and its outbox event commit together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store, municipality_store
from registry.config import SERVICE
from registry.domain.academy import Academy, InvalidAcademy
from stemkit.contracts import CATALOG
from stemkit.contracts.registry import AcademyRegistered
from stemkit.outbox import add_event

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
    )
    if academy.home_nis_code and not await municipality_store.known(session, academy.home_nis_code):
        raise InvalidAcademy(
            {"home_nis_code": f"no municipality has NIS code {academy.home_nis_code}"}
        )
    taken = await academy_store.organizer_owners(session, academy.uit_organizer_ids)
    if taken:
        raise OrganizerTaken(taken)
    try:
        await academy_store.add(session, academy)
    except IntegrityError as exc:
        # Another registration claimed an organizer id between our check and our insert;
        # the primary key on organizer_id refused it.
        raise OrganizerTaken({}) from exc
    await add_event(session, CATALOG, CATALOG.new_event(registered(academy), source=EVENT_SOURCE))
    return academy


def registered(academy: Academy) -> AcademyRegistered:
    return AcademyRegistered(
        academy_id=academy.id,
        name=academy.name,
        uit_organizer_ids=list(academy.uit_organizer_ids),
        home_nis_code=academy.home_nis_code,
        demo=academy.demo,
    )


async def get_academy(session: AsyncSession, academy_id: str) -> Academy | None:
    found = await academy_store.get_many(session, [academy_id.strip().lower()])
    return found[0] if found else None


async def get_academies(session: AsyncSession, ids: Sequence[str] | None) -> list[Academy]:
    """The academies with these ids in the order asked (unknown ones left out), or all."""
    if ids is None:
        return await academy_store.list_all(session)
    wanted = list(dict.fromkeys(i.strip().lower() for i in ids if i.strip()))
    return await academy_store.get_many(session, wanted)
