"""Use cases of recognition and roles: each decision and role change is stored and
announced in the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import academy_store, recognition_store
from registry.domain import recognition
from registry.domain.recognition import Decision, Status
from registry.service_layer.academies import announce
from stemkit.contracts.registry import RecognitionDecided, Role, RoleAssigned, RoleRevoked


class UnknownAcademy(LookupError):
    pass


class ConcurrentChange(Exception):
    """Another decision or correction on the same academy was recorded at the same moment."""


@dataclass(frozen=True)
class Decide:
    status: Status
    decided_on: date
    reason: str
    author: str
    valid_from: date | None = None


async def decide(
    session: AsyncSession, academy_id: str, command: Decide, *, now: datetime | None = None
) -> Decision:
    """Record a decision; raises UnknownAcademy, TransitionRefused or InvalidInput."""
    if not await academy_store.lock(session, academy_id):
        raise UnknownAcademy(academy_id)
    history = await recognition_store.history(session, academy_id)
    decision = recognition.decide(
        history,
        decision_id=str(uuid.uuid4()),
        academy_id=academy_id,
        status=command.status,
        decided_on=command.decided_on,
        valid_from=command.valid_from,
        reason=command.reason,
        author=command.author,
    )
    try:
        async with session.begin_nested():
            await recognition_store.add(session, decision, now or datetime.now(UTC))
    except IntegrityError as exc:  # (academy_id, sequence) taken: a concurrent decision
        raise ConcurrentChange(academy_id) from exc
    await announce(session, RecognitionDecided(**vars(decision)))
    return decision


async def history(session: AsyncSession, academy_id: str) -> list[Decision] | None:
    if not await academy_store.exists(session, academy_id):
        return None
    return await recognition_store.history(session, academy_id)


async def recognised_on(session: AsyncSession, day: date) -> list[Decision]:
    """The decision in force for every academy recognised on `day`."""
    found = []
    for decisions in (await recognition_store.histories(session)).values():
        if recognition.recognised_on(decisions, day):
            in_force = recognition.status_on(decisions, day)
            assert in_force is not None  # recognised_on holds only with a decision in force
            found.append(in_force)
    return sorted(found, key=lambda d: d.academy_id)


@dataclass(frozen=True)
class Standing:
    """An academy's recognition in force on a day and its roles in a year (partners)."""

    academy_id: str
    in_force: Decision | None
    recognised: bool
    roles: list[str]


async def standings(
    session: AsyncSession, academy_ids: list[str], day: date, year: int
) -> list[Standing]:
    """For each of `academy_ids` (in that order), its standing on `day` and roles of `year`."""
    decisions = await recognition_store.histories_of(session, academy_ids)
    roles = await recognition_store.roles_in_year(session, academy_ids, year)
    return [
        Standing(
            academy_id=academy_id,
            in_force=recognition.status_on(decisions.get(academy_id, []), day),
            recognised=recognition.recognised_on(decisions.get(academy_id, []), day),
            roles=roles.get(academy_id, []),
        )
        for academy_id in academy_ids
    ]


async def recognised_ids(session: AsyncSession, day: date) -> frozenset[str]:
    """The academies recognised on `day`."""
    return frozenset(d.academy_id for d in await recognised_on(session, day))


async def reviews_due(session: AsyncSession, before: date) -> list[Decision]:
    """Current decisions whose recognition runs out before `before`, soonest first."""
    histories = (await recognition_store.histories(session)).values()
    due = [d for d in (recognition.review_due(h, before) for h in histories) if d is not None]
    return sorted(due, key=lambda d: (d.valid_until or before, d.academy_id))


async def set_role(
    session: AsyncSession, academy_id: str, year: int, role: Role, *, held: bool
) -> list[tuple[int, str]]:
    """Assign (`held`) or revoke a role; announced only when it changes. The roles after.
    Assigning one before 2023 is refused (`InvalidInput`): the roles start with the 2023
    funding system. Revoking stays possible (to clean up a role stored before the rule)."""
    if held:
        recognition.check_role_year(year)
    if not await academy_store.lock(session, academy_id):
        raise UnknownAcademy(academy_id)
    current = await recognition_store.roles(session, academy_id)
    if held and (year, role) not in current:
        await recognition_store.add_role(session, academy_id, year, role, datetime.now(UTC))
        await announce(session, RoleAssigned(academy_id=academy_id, year=year, role=role))
    elif not held and await recognition_store.remove_role(session, academy_id, year, role):
        await announce(session, RoleRevoked(academy_id=academy_id, year=year, role=role))
    return await recognition_store.roles(session, academy_id)


async def roles_of(session: AsyncSession, academy_id: str) -> list[tuple[int, str]]:
    return await recognition_store.roles(session, academy_id)
