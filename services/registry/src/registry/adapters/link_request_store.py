"""Reading and writing organizer link requests (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import organizer_link_requests as requests


@dataclass(frozen=True)
class LinkRequest:
    request_id: str
    academy_id: str
    organizer_id: str
    status: str
    note: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _of(row: dict[str, object]) -> LinkRequest:
    found = dict(row)
    found["requested_at"] = _utc(found["requested_at"])  # type: ignore[arg-type]
    found["decided_at"] = _utc(found["decided_at"])  # type: ignore[arg-type]
    return LinkRequest(**found)  # type: ignore[arg-type]


async def add(session: AsyncSession, request: LinkRequest) -> None:
    await session.execute(insert(requests).values(**vars(request)))


async def get(session: AsyncSession, request_id: str) -> LinkRequest | None:
    query = select(requests).where(requests.c.request_id == request_id)
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _of(dict(row))


async def of_academy(session: AsyncSession, academy_id: str) -> list[LinkRequest]:
    rows = await session.execute(
        select(requests)
        .where(requests.c.academy_id == academy_id)
        .order_by(requests.c.requested_at.desc())
    )
    return [_of(dict(r)) for r in rows.mappings()]


async def with_status(session: AsyncSession, status: str) -> list[LinkRequest]:
    """The requests in `status`, the oldest first."""
    rows = await session.execute(
        select(requests).where(requests.c.status == status).order_by(requests.c.requested_at)
    )
    return [_of(dict(r)) for r in rows.mappings()]


async def set_decided(
    session: AsyncSession, request_id: str, status: str, by: str, at: datetime
) -> None:
    await session.execute(
        update(requests)
        .where(requests.c.request_id == request_id)
        .values(status=status, decided_by=by, decided_at=at)
    )
