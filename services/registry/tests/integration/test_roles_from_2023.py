"""Roles (Gangmaker, Ontwikkelaar, Uitroller) exist from 2023: an earlier year is a 422 that
says why, and nothing is stored or announced (issue 15)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.storage.db import outbox

pytestmark = pytest.mark.postgres

OPS = {"Authorization": "Bearer registry-test-ops-token-at-least-32-chars"}


async def test_a_role_before_2023_is_refused_with_the_rule(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await api.post("/academies", json={"name": "Codeclub Leuven"}, headers=OPS)
    lab = created.json()["id"]
    refused = await api.put(f"/academies/{lab}/roles/2022/uitroller", headers=OPS)
    assert refused.status_code == 422
    (error,) = refused.json()["detail"]
    assert error["loc"][-1] == "year" and "from 2023" in error["msg"]
    assert (await api.get(f"/academies/{lab}/roles")).json()["roles"] == []
    async with sessions() as session:
        kinds = list(await session.scalars(select(outbox.c.event_type)))
    assert not [k for k in kinds if "role_" in k]
    assert (await api.put(f"/academies/{lab}/roles/2023/uitroller", headers=OPS)).status_code == 200
