"""Fixtures of the activities tests.

- `load_event`: real UiTdatabank documents, copied under fixtures/uitdatabank/.
- For integration tests: a migrated database (real PostgreSQL, and the embedded SQLite
  file), the app on it, signed deliveries, what was stored, registry events delivered as
  the consumer loop would.

Shared helpers are fixtures, not imports: test folders are not packages. One conftest for
both folders, because mypy cannot check two modules both named `conftest`.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from activities.adapters.orm import webhook_deliveries
from activities.adapters.uit_client import Fetched, FetchFailed
from activities.bootstrap import migrate
from activities.config import Settings
from activities.domain.model import Change
from activities.entrypoints.api import create_app
from activities.service_layer import processing
from activities.service_layer.catalogue import ingest_document
from activities.service_layer.handlers import handle_event as handle_registry_event
from stemkit.contracts import CATALOG
from stemkit.contracts.audit import ACTIVITIES_AUDIT_TOPIC
from stemkit.contracts.registry import MunicipalityDefined
from stemkit.eventing import CloudEvent
from stemkit.settings import DEV_GATEWAY_TOKEN
from stemkit.storage.db import outbox

UITDATABANK = Path(__file__).parent / "fixtures" / "uitdatabank"
SECRET = "whsec_" + base64.b64encode(b"first-secret-for-the-tests-0001").decode()
ROTATED = "whsec_" + base64.b64encode(b"second-secret-for-the-tests-002").decode()
REGISTRY = "/stem/registry"


def _loader(folder: Path) -> Callable[[str], dict[str, Any]]:
    """A fresh copy of a real document, by the part of its name after `__`."""

    def load(name: str) -> dict[str, Any]:
        path = folder / f"udb3-search-service__{name}.json"
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return document

    return load


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    return _loader(UITDATABANK)


@pytest.fixture
def load_place() -> Callable[[str], dict[str, Any]]:
    return _loader(UITDATABANK / "places")


@pytest.fixture
def load_organizer() -> Callable[[str], dict[str, Any]]:
    return _loader(UITDATABANK / "organizers")


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/activities.db"
    else:
        url = str(request.getfixturevalue("pg_database_url"))
    # The test client presents the gateway's token, here with the read scope only, so that
    # the ops routes refuse it (403) unless a test sends the ops token.
    settings = Settings(
        database_url=url, webhook_secrets=[SECRET, ROTATED], caller_scopes={"gateway": ["read"]}
    )
    # A plain (not async) fixture: Alembic runs its own event loop, outside the test's.
    migrate(settings)
    return settings


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    reader = {"Authorization": f"Bearer {DEV_GATEWAY_TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://activities", headers=reader
    ) as c:
        yield c


@pytest.fixture
def sessions(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = app.state.database.session_factory
    return factory


def signed(
    body: str, *, secret: str = SECRET, msg_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


class FakeUiT:
    """UiTdatabank's Entry API as the worker sees it: documents by IRI, or a status."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.statuses: dict[str, int] = {}
        self.failures: dict[str, int] = {}  # IRI -> how many fetches fail first
        self.fetched: list[str] = []

    async def fetch(self, iri: str) -> Fetched:
        self.fetched.append(iri)
        if self.failures.get(iri, 0) > 0:
            self.failures[iri] -= 1
            raise FetchFailed(f"GET {iri}: HTTP 503 after 3 attempts")
        if iri in self.statuses:
            return Fetched(gone_status=self.statuses[iri])
        return Fetched(document=self.documents[iri])


@pytest.fixture
def uit() -> FakeUiT:
    return FakeUiT()


@pytest.fixture
def drain(
    sessions: async_sessionmaker[AsyncSession], uit: FakeUiT
) -> Callable[[], Awaitable[list[str]]]:
    """What the worker does: process every delivery that is due; returns the outcomes."""

    async def run() -> list[str]:
        outcomes: list[str] = []
        while found := await processing.drain(sessions, uit):
            outcomes += found
        return outcomes

    return run


@pytest.fixture
def post_document(
    client: httpx.AsyncClient, drain: Callable[[], Awaitable[list[str]]]
) -> Callable[..., Awaitable[httpx.Response]]:
    """POST a document (dict, or raw text) to the webhook, signed unless told otherwise;
    then process what is stored, as the worker would (`process=False`: not yet)."""

    async def post(
        document: dict[str, Any] | str, *, process: bool = True, **signing: Any
    ) -> httpx.Response:
        body = document if isinstance(document, str) else json.dumps(document)
        headers = signing.pop("headers", None) or signed(body, **signing)
        response = await client.post("/webhooks/uitdatabank", content=body, headers=headers)
        if process:
            await drain()
        return response

    return post


@pytest.fixture
def ingest(sessions: async_sessionmaker[AsyncSession]) -> Callable[[Any], Awaitable[Change]]:
    """Store one event document straight through the catalogue; returns the change."""

    async def run(document: Any) -> Change:
        async with sessions.begin() as session:
            return (await ingest_document(session, document))[1]

    return run


@pytest.fixture
def outbox_events(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[], Awaitable[list[CloudEvent]]]:
    """The events of the document flow staged in the outbox so far, oldest first (not the
    audit trail's: test_audit_trail reads those)."""

    async def read() -> list[CloudEvent]:
        async with sessions() as session:
            rows = await session.scalars(
                select(outbox.c.envelope)
                .where(outbox.c.topic != ACTIVITIES_AUDIT_TOPIC)
                .order_by(outbox.c.seq)
            )
            return [CloudEvent.model_validate_json(row) for row in rows]

    return read


@pytest.fixture
def delivery_count(sessions: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        async with sessions() as session:
            return int(
                await session.scalar(select(func.count()).select_from(webhook_deliveries)) or 0
            )

    return count


@pytest.fixture
def municipality() -> Callable[..., MunicipalityDefined]:
    """A `MunicipalityDefined` in Vlaams-Brabant, valid since 2000, with these postal codes."""

    def make(nis_code: str, name: str, *postal_codes: str) -> MunicipalityDefined:
        return MunicipalityDefined(
            nis_code=nis_code,
            name_nl=name,
            province_nl="Vlaams-Brabant",
            valid_from=date(2000, 1, 1),
            postal_codes=list(postal_codes),
        )

    return make


@pytest.fixture
def deliver(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[Any], Awaitable[None]]:
    """What the consumer loop does with a registry event: the handler in a transaction."""

    async def handle(payload: Any) -> None:
        async with sessions.begin() as session:
            await handle_registry_event(session, CATALOG.new_event(payload, source=REGISTRY))

    return handle
