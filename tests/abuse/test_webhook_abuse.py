"""Abusing POST /webhooks/uitdatabank of the real activities app on a real PostgreSQL database.

Each attack gets its expected status and stores no delivery: forged, missing and wrongly
keyed signatures, timestamps outside ±5 minutes, replays, oversized bodies (declared and
streamed, and the app stops reading at the limit), malformed and deeply nested JSON, and
content types that are not JSON. A replay inside the tolerance has no second effect.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from activities.adapters import delivery_store as deliveries
from activities.adapters.intake import Intake
from activities.adapters.orm import webhook_deliveries
from activities.adapters.uit_client import Fetched
from activities.service_layer import processing
from tests.abuse.conftest import WEBHOOK_SECRET, Platform

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

URL = "/webhooks/uitdatabank"
LIMIT = 1024 * 1024  # ACTIVITIES_WEBHOOK_MAX_BODY_BYTES, default
OTHER_SECRET = "whsec_" + base64.b64encode(b"a-secret-this-service-never-had").decode()
DOCUMENT = {
    "@id": "https://io.uitdatabank.be/events/4b5c1c87-0000-4000-8000-00000000abcd",
    "name": {"nl": "Robots bouwen"},
    "calendarType": "permanent",
    "modified": "2025-01-01T00:00:00+00:00",
}
BODY = json.dumps(DOCUMENT)


def signed(
    body: str,
    *,
    secret: str = WEBHOOK_SECRET,
    msg_id: str | None = None,
    at: datetime | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    return {
        "content-type": content_type,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


@pytest.fixture(scope="module")
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.client("activities") as http:
        yield http


@pytest.fixture(scope="module")
def sessions(platform: Platform) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = platform.apps[
        "activities"
    ].state.database.session_factory
    return factory


async def stored(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(webhook_deliveries))
        return int(count or 0)


@pytest.fixture
async def nothing_stored(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    """The test's requests add no delivery (the module's database is shared)."""
    before = await stored(sessions)
    yield
    assert await stored(sessions) == before


def forged_signature() -> str:
    return "v1," + base64.b64encode(os.urandom(32)).decode()


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda h: h | {"webhook-signature": forged_signature()}, id="forged"),
        pytest.param(
            lambda h: h | {"webhook-signature": h["webhook-signature"][:-4] + "AAA="}, id="altered"
        ),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "webhook-signature"}, id="no-signature"
        ),
        pytest.param(lambda h: {k: v for k, v in h.items() if k != "webhook-id"}, id="no-id"),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "webhook-timestamp"}, id="no-timestamp"
        ),
        pytest.param(lambda h: {"content-type": "application/json"}, id="no-headers"),
        pytest.param(lambda h: h | {"webhook-id": "msg_other"}, id="id-not-signed"),
        pytest.param(
            lambda h: h | {"webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)},
            id="timestamp-not-signed",
        ),
        pytest.param(lambda h: h | {"webhook-signature": "v1"}, id="no-comma"),
        pytest.param(lambda h: h | {"webhook-signature": "v1,"}, id="empty-signature"),
        pytest.param(lambda h: h | {"webhook-signature": "v1,not*base64!"}, id="not-base64"),
        pytest.param(lambda h: h | {"webhook-signature": "v1,a,b"}, id="three-parts"),
        pytest.param(
            lambda h: h | {"webhook-signature": "v2," + h["webhook-signature"][3:]},
            id="unknown-version",
        ),
        pytest.param(
            lambda h: h | {"webhook-signature": " ".join([forged_signature()] * 2000)},
            id="many-signatures",
        ),
        pytest.param(lambda h: h | {"webhook-timestamp": "yesterday"}, id="timestamp-text"),
        pytest.param(lambda h: h | {"webhook-timestamp": "nan"}, id="timestamp-nan"),
        pytest.param(lambda h: h | {"webhook-timestamp": "1e300"}, id="timestamp-overflow"),
        pytest.param(lambda h: h | {"webhook-timestamp": "-99999999999"}, id="timestamp-negative"),
    ],
)
async def test_a_bad_signature_is_a_401(client: httpx.AsyncClient, headers: object) -> None:
    assert callable(headers)
    response = await client.post(URL, content=BODY, headers=headers(signed(BODY)))

    assert response.status_code == 401, response.text
    assert "signature" in response.json()["detail"]


@pytest.mark.usefixtures("nothing_stored")
async def test_a_wrong_secret_is_a_401(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, content=BODY, headers=signed(BODY, secret=OTHER_SECRET))

    assert response.status_code == 401


@pytest.mark.usefixtures("nothing_stored")
async def test_a_body_changed_after_signing_is_a_401(client: httpx.AsyncClient) -> None:
    headers = signed(BODY)
    tampered = BODY.replace("Robots", "Robot$")

    response = await client.post(URL, content=tampered, headers=headers)

    assert response.status_code == 401


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(timedelta(minutes=-6), id="6-minutes-old"),
        pytest.param(timedelta(days=-400), id="400-days-old"),
        pytest.param(timedelta(minutes=6), id="6-minutes-ahead"),
        pytest.param(timedelta(days=3650), id="10-years-ahead"),
    ],
)
async def test_a_timestamp_outside_the_tolerance_is_a_401(
    client: httpx.AsyncClient, offset: timedelta
) -> None:
    """Correctly signed, so only the time gives it away (a replay of an old capture)."""
    headers = signed(BODY, at=datetime.now(UTC) + offset)

    response = await client.post(URL, content=BODY, headers=headers)

    assert response.status_code == 401
    assert "too old" in response.text or "too new" in response.text


async def test_a_replay_inside_the_tolerance_has_no_second_effect(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = await stored(sessions)
    msg_id = f"msg_{uuid.uuid4().hex}"
    headers = signed(BODY, msg_id=msg_id)
    first = await client.post(URL, content=BODY, headers=headers)
    same = await client.post(URL, content=BODY, headers=headers)
    # The same id signed again a minute later, with another body: still the first delivery.
    other = json.dumps(DOCUMENT | {"name": {"nl": "Replaced"}})
    later = signed(other, msg_id=msg_id, at=datetime.now(UTC) + timedelta(minutes=1))
    resigned = await client.post(URL, content=other, headers=later)

    assert first.status_code == 202, first.text
    assert [same.status_code, resigned.status_code] == [200, 200]
    assert same.json()["status"] == resigned.json()["status"] == "duplicate"
    assert await stored(sessions) == before + 1
    async with sessions() as session:
        body = await session.scalar(
            select(webhook_deliveries.c.body).where(webhook_deliveries.c.webhook_id == msg_id)
        )
    assert body == BODY


@pytest.mark.usefixtures("nothing_stored")
async def test_a_declared_oversize_body_is_a_413(client: httpx.AsyncClient) -> None:
    body = json.dumps(DOCUMENT | {"description": {"nl": "x" * LIMIT}})

    response = await client.post(URL, content=body, headers=signed(body))

    assert response.status_code == 413


@pytest.mark.usefixtures("nothing_stored")
async def test_a_streamed_oversize_body_is_refused_without_reading_it_all(
    client: httpx.AsyncClient,
) -> None:
    """No Content-Length, 64 MiB offered: the app stops pulling chunks past the limit."""
    chunk, offered, pulled = 64 * 1024, 1024, 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(offered):
            pulled += 1
            yield b" " * chunk

    headers = signed("unknown") | {"content-type": "application/json"}
    response = await client.post(URL, content=chunks(), headers=headers)

    assert response.status_code == 413
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert pulled * chunk <= LIMIT + 2 * chunk, f"pulled {pulled} chunks of {chunk} bytes"


@pytest.mark.usefixtures("nothing_stored")
async def test_a_content_length_that_is_not_a_number_is_a_400(client: httpx.AsyncClient) -> None:
    headers = signed(BODY) | {"content-length": "12abc"}

    response = await client.post(URL, content=BODY, headers=headers)

    assert response.status_code == 400


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BODY[:-10], id="truncated"),
        pytest.param("", id="empty"),
        pytest.param("{", id="open-brace"),
        pytest.param("{'single': 'quotes'}", id="single-quotes"),
        pytest.param('{"a": 1,}', id="trailing-comma"),
        pytest.param('{"a": "\x00"}', id="raw-nul"),
        pytest.param("<event><name>Robots</name></event>", id="xml"),
        pytest.param(BODY + BODY, id="two-documents"),
    ],
)
async def test_malformed_json_is_a_400(client: httpx.AsyncClient, body: str) -> None:
    response = await client.post(URL, content=body, headers=signed(body))

    assert response.status_code == 400, response.text
    assert "not JSON" in response.json()["detail"]


@pytest.mark.usefixtures("nothing_stored")
async def test_a_body_that_is_not_utf8_is_refused(client: httpx.AsyncClient) -> None:
    raw = b'{"name": "caf\xe9"}'  # Latin-1: the reference implementation signs text only
    headers = signed(raw.decode("latin-1"))

    response = await client.post(URL, content=raw, headers=headers)

    assert response.status_code == 401


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="100k-arrays"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="100k-objects"),
        pytest.param("[" * 100_000, id="100k-unclosed"),
        pytest.param('{"a":' * 5_000 + "1" + "}" * 5_000, id="5k-objects"),
    ],
)
async def test_deeply_nested_json_is_a_400_not_a_crash(
    client: httpx.AsyncClient, body: str
) -> None:
    response = await client.post(URL, content=body, headers=signed(body))

    assert response.status_code == 400, response.text[:300]
    assert "not JSON" in response.json()["detail"]


async def test_a_stored_delivery_nested_too_deeply_is_quarantined_not_retried_forever(
    platform: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A delivery the webhook never accepts may still be stored (backfill, an older version):
    the worker must settle it, or it would fail the same round again and again."""
    webhook_id = f"msg_nested_{uuid.uuid4().hex}"
    intake = Intake(platform.apps["activities"].state.database.engine)
    try:
        assert await intake.record(webhook_id, "[" * 100_000 + "]" * 100_000, "backfill")
    finally:
        await intake.close()
    async with sessions() as session:
        due = [d for d in await deliveries.due(session, 1000) if d.webhook_id == webhook_id]

    outcome = await processing.process(sessions, _NoFetch(), due[0])

    assert outcome == "quarantined"
    async with sessions() as session:
        assert await deliveries.status_of(session, webhook_id) == deliveries.QUARANTINED


class _NoFetch:
    async def fetch(self, iri: str) -> Fetched:
        raise AssertionError(f"nothing to fetch, asked for {iri}")


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/octet-stream",
        "application/jsonp",
    ],
)
async def test_a_body_declared_as_not_json_is_a_415(
    client: httpx.AsyncClient, content_type: str
) -> None:
    """Correctly signed JSON, but declared as something else: refused, nothing stored."""
    headers = signed(BODY, content_type=content_type)

    response = await client.post(URL, content=BODY, headers=headers)

    assert response.status_code == 415, response.text


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/ld+json",
        "APPLICATION/JSON",
    ],
)
async def test_json_content_types_are_accepted(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], content_type: str
) -> None:
    before = await stored(sessions)

    response = await client.post(URL, content=BODY, headers=signed(BODY, content_type=content_type))

    assert response.status_code == 202, response.text
    assert await stored(sessions) == before + 1


@pytest.mark.usefixtures("nothing_stored")
async def test_an_unsigned_request_learns_nothing_about_the_body(
    client: httpx.AsyncClient,
) -> None:
    """Without a valid signature, malformed JSON and a wrong type are all just a 401."""
    for body, content_type in (("{", "application/json"), (BODY, "text/plain")):
        headers = {"content-type": content_type, "webhook-id": "msg_x"}
        response = await client.post(URL, content=body, headers=headers)
        assert response.status_code == 401
