"""Use cases of municipality follow-ups (Q2b/c): record, read, remove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import follow_up_store, municipality_store
from registry.domain.errors import InvalidInput
from registry.domain.follow_up import FollowUp, follow_up


@dataclass(frozen=True)
class RecordFollowUp:
    reason: str
    author: str
    explanation: str | None = None
    initiative: str | None = None
    no_initiative_reason: str | None = None


async def record(
    session: AsyncSession, nis_code: str, year: int, command: RecordFollowUp
) -> FollowUp:
    """Store the follow-up, replacing an earlier one of the same municipality and year.
    Raises InvalidInput, also when the NIS code is no municipality valid in that year (a
    2025 merger's code for 2022, or an old code for 2025)."""
    new = follow_up(
        nis_code,
        year,
        command.reason,
        command.explanation,
        command.initiative,
        command.no_initiative_reason,
        command.author,
        datetime.now(UTC),
    )
    valid = {m.nis_code for m in await municipality_store.valid_in(session, year)}
    if nis_code not in valid:
        raise InvalidInput({"nis_code": f"no municipality {nis_code} in {year}"})
    await follow_up_store.put(session, new)
    return new


async def get(session: AsyncSession, nis_code: str, year: int) -> FollowUp | None:
    return await follow_up_store.get(session, nis_code, year)


async def remove(session: AsyncSession, nis_code: str, year: int) -> bool:
    return await follow_up_store.remove(session, nis_code, year)


async def of_year(session: AsyncSession, year: int) -> list[FollowUp]:
    return await follow_up_store.of_year(session, year)
