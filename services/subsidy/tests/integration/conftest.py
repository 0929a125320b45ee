"""A migrated subsidy database (SQLite file and real PostgreSQL) and event builders.

Shared helpers are fixtures (`deliver`, `published`, `withdrawn`), not imports: test folders
are not packages, so a test module cannot import this file by name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.contracts import CATALOG
from stemkit.contracts.activities import (
    ActivityPublished,
    ActivityUpdated,
    ActivityWithdrawn,
    Location,
    Occurrence,
)
from stemkit.contracts.registry import RecognitionDecided
from stemkit.eventing import CloudEvent
from stemkit.storage.db import make_engine, make_session_factory
from stemkit.storage.migrations import upgrade_to_head
from subsidy.bootstrap import MIGRATIONS
from subsidy.service_layer.handlers import handle_event

SOURCE = "/stem/activities"


@pytest.fixture(
    params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/subsidy.db"
    else:
        url = str(request.getfixturevalue("pg_database_url"))
    # A plain (not async) fixture: Alembic runs its own event loop, outside the test's.
    upgrade_to_head(url, MIGRATIONS)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    await engine.dispose()


async def deliver_to(sessions: async_sessionmaker[AsyncSession], event: CloudEvent) -> None:
    """What the consumer loop does with one event: the handler inside a transaction."""
    async with sessions.begin() as session:
        await handle_event(session, event)


def _published(
    activity_id: str = "act-1",
    *,
    academy_id: str | None = "acad-1",
    nis_code: str | None = "44021",
    postal_code: str | None = "9000",
    starts: tuple[str, ...] = ("2023-03-04T14:00:00+01:00",),
    modified: str = "2023-02-01T10:00:00+00:00",
    updated: bool = False,
    public: bool = True,
) -> CloudEvent:
    kind = ActivityUpdated if updated else ActivityPublished
    payload = kind(
        activity_id=activity_id,
        name="Robots bouwen",
        academy_id=academy_id,
        occurrences=[Occurrence(start=datetime.fromisoformat(s)) for s in starts],
        location=Location(name="De Krook", nis_code=nis_code, postal_code=postal_code),
        public=public,
        modified=datetime.fromisoformat(modified),
    )
    return CATALOG.new_event(payload, source=SOURCE)


def _withdrawn(
    activity_id: str = "act-1", modified: str = "2023-05-01T10:00:00+00:00"
) -> CloudEvent:
    payload = ActivityWithdrawn(
        activity_id=activity_id, reason="deleted", modified=datetime.fromisoformat(modified)
    )
    return CATALOG.new_event(payload, source=SOURCE, time=datetime.now(UTC))


Deliver = Callable[[CloudEvent], Awaitable[None]]
EventFactory = Callable[..., CloudEvent]


@pytest.fixture
def deliver(sessions: async_sessionmaker[AsyncSession]) -> Deliver:
    return partial(deliver_to, sessions)


@pytest.fixture
def published() -> EventFactory:
    """`published(activity_id, *, academy_id, nis_code, postal_code, starts, modified, updated,
    public)`"""
    return _published


@pytest.fixture
def withdrawn() -> EventFactory:
    """`withdrawn(activity_id="act-1", modified=...)`"""
    return _withdrawn


@pytest.fixture
async def recognised(deliver: Deliver) -> None:
    """The test academies acad-1 and acad-2 are recognised from 2019 on: reach for subsidy
    needs a recognition in force on the session's date (issue 15). Tests of recognition
    itself do not use this fixture and decide what they need."""
    for academy_id in ("acad-1", "acad-2"):
        decided = RecognitionDecided(
            academy_id=academy_id,
            decision_id=f"seed-{academy_id}",
            status="recognised",
            decided_on=date(2019, 1, 1),
            valid_from=date(2019, 1, 1),
            valid_until=None,
            reason="test academy, recognised throughout",
            author="test",
        )
        await deliver(CATALOG.new_event(decided, source="/stem/registry"))
