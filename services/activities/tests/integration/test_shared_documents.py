"""Every real UiTdatabank document (fixtures/uitdatabank, a copy of shared/uitdatabank)
through the webhook: each becomes an activity, a place or an organizer, or is quarantined
with the reason that is right for it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters.orm import webhook_deliveries

Post = Callable[..., Awaitable[httpx.Response]]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"
DOCUMENTS = sorted(p for p in FIXTURES.rglob("*.json"))
TEXTS = {path: path.read_text(encoding="utf-8") for path in DOCUMENTS}
QUARANTINED = {
    # No calendarType, no startDate, no subEvent: not permanent, yet without any date.
    "udb3-search-service__original-with-optional-fields.json": "no usable date",
}


def test_the_fixtures_are_the_whole_shared_corpus() -> None:
    assert len(DOCUMENTS) == 17 + 11 + 11


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_each_document_settles_as_expected(
    path: Path, post_document: Post, sessions: async_sessionmaker[AsyncSession]
) -> None:
    response = await post_document(TEXTS[path], msg_id="msg_doc")
    assert response.status_code == 202

    async with sessions() as session:
        row = (
            await session.execute(
                select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == "msg_doc")
            )
        ).one()
    kind = {"uitdatabank": "event", "places": "place", "organizers": "organizer"}
    if path.name in QUARANTINED and path.parent.name == "uitdatabank":
        assert row.status == "quarantined"
        assert QUARANTINED[path.name] in row.error
    else:
        assert (row.status, row.error) == ("processed", None)
        assert row.kind == kind[path.parent.name]
        if row.kind == "event":
            assert row.activity_id == "23017cb7-e515-47b4-87c4-780735acc942"
    json.loads(row.body)
