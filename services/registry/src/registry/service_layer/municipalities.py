"""Reads of the municipalities reference data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters import municipality_store
from registry.domain.municipality import Municipality


async def valid_in(session: AsyncSession, year: int) -> list[Municipality]:
    return await municipality_store.valid_in(session, year)
