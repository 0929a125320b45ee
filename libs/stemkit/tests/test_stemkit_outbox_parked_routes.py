"""The ops routes of parked outbox rows (`stemkit.ops.outbox_parked`), on SQLite and PostgreSQL,
with a relay whose in-memory publisher refuses one message for what it is; retry and discard
are audited with the person the doorkeeper admitted (issue 21)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.stemkit.tests.stemkit_support import add_things, thing_catalog, unique_topic
from stemkit.access.auth import ALL_SCOPES, READ, WRITE, Doorkeeper
from stemkit.contracts.audit import ACTIVITIES_AUDIT_TOPIC
from stemkit.eventing.relay import OutboxMessage, OutboxRelay, PublishError
from stemkit.ops.audit import Trail, audit_table, entries
from stemkit.ops.outbox_parked_routes import parked_outbox_router
from stemkit.storage.db import outbox

Sessions = async_sessionmaker[AsyncSession]
TOKEN = "ops-secret"
OPS = {"Authorization": f"Bearer {TOKEN}"}
READER = {"Authorization": "Bearer reader-secret"}
AUDIT = audit_table(MetaData())


class RefusingPublisher:
    """Acknowledges every message except those with a key in `refused` (unsendable)."""

    def __init__(self, refused: set[str]) -> None:
        self.refused = refused
        self.published: list[tuple[str, int]] = []
        self.audited: list[str] = []  # the audit events' actions

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        for index, message in enumerate(messages):
            if message.key in self.refused:
                raise PublishError(
                    "too large (fake)",
                    acknowledged=index,
                    error_type="MessageSizeTooLargeError",
                    unsendable=True,
                )
            data = message.event().data
            if message.topic == ACTIVITIES_AUDIT_TOPIC:
                self.audited.append(data["action"])
            else:
                self.published.append((message.key, int(data["n"])))


@pytest.fixture
async def client(db: Sessions) -> AsyncIterator[httpx.AsyncClient]:
    async with db() as session, session.begin():
        await session.run_sync(lambda sync: AUDIT.create(sync.connection()))
    app = FastAPI()
    doorkeeper = Doorkeeper(
        {"ops": (SecretStr(TOKEN), ALL_SCOPES), "cli": (SecretStr("reader-secret"), {READ})}
    )
    trail = Trail(AUDIT, "activities")  # any service's: its payload and topic
    app.include_router(parked_outbox_router(db, doorkeeper.require(WRITE), trail))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def new_relay(db: Sessions, publisher: RefusingPublisher) -> OutboxRelay:
    return OutboxRelay(
        service=f"parked-routes-{uuid.uuid4().hex[:8]}", session_factory=db, publisher=publisher
    )


async def test_the_routes_need_the_ops_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/outbox/parked")).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.post("/outbox/parked/1/retry", headers=wrong)).status_code == 401
    assert (await client.post("/outbox/parked/1/discard")).status_code == 401
    assert (await client.post("/outbox/parked/1/discard", headers=READER)).status_code == 403
    assert (await client.get("/outbox/parked", headers=OPS)).json() == []


async def test_ops_see_the_parked_rows_and_retry_one_after_a_fix(
    db: Sessions, client: httpx.AsyncClient
) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("a", 1), ("b", 1), ("a", 2), ("c", 1)])
    publisher = RefusingPublisher(refused={"a"})
    relay = new_relay(db, publisher)
    assert [await relay.relay_once() for _ in range(3)] == [0, 2, 0]
    assert publisher.published == [("b", 1), ("c", 1)]

    parked = (await client.get("/outbox/parked", headers=OPS)).json()
    assert [(p["key"], p["blocked_by"]) for p in parked] == [("a", None), ("a", parked[0]["seq"])]
    assert parked[0]["reason"].startswith("MessageSizeTooLargeError: too large")
    assert parked[0]["attempts"] == 1 and parked[0]["envelope_bytes"] > 0
    assert (await client.get("/outbox/parked?limit=1", headers=OPS)).json() == parked[:1]

    head = parked[0]["seq"]
    assert (await client.post("/outbox/parked/999999/retry", headers=OPS)).status_code == 404
    answer = await client.post(
        f"/outbox/parked/{head}/retry", params={"reason": "limit raised"}, headers=OPS
    )
    assert answer.status_code == 200 and answer.json() == {"seq": head, "released": 2}
    assert (await client.get("/outbox/parked", headers=OPS)).json() == []

    # Audited: who (the doorkeeper's principal), the row before and after, and why.
    async with db() as session:
        (entry,) = await entries(session, AUDIT)
    assert (entry.actor.subject, entry.actor.via) == ("static:ops", "static-token")
    assert (entry.entity, entry.entity_id, entry.action) == ("outbox_row", str(head), "retried")
    assert entry.before is not None and entry.after is not None
    assert entry.before["state"] == "parked" and entry.before["key"] == "a"
    assert entry.before["parked_reason"].startswith("MessageSizeTooLargeError")
    assert (entry.after["state"], entry.after["released"]) == ("in line", 2)
    assert entry.reason == "limit raised"

    publisher.refused.clear()  # the fix
    assert await relay.relay_once() == 3  # the two rows, and the audit event
    assert publisher.published[2:] == [("a", 1), ("a", 2)]  # in their order
    assert publisher.audited == ["retried"]


async def test_a_row_retried_without_a_fix_is_parked_again(
    db: Sessions, client: httpx.AsyncClient
) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("a", 1)])
    relay = new_relay(db, RefusingPublisher(refused={"a"}))
    await relay.relay_once()
    [row] = (await client.get("/outbox/parked", headers=OPS)).json()
    assert (await client.post(f"/outbox/parked/{row['seq']}/retry", headers=OPS)).status_code == 200
    await relay.relay_once()
    [again] = (await client.get("/outbox/parked", headers=OPS)).json()
    assert again["seq"] == row["seq"] and again["attempts"] == 2


async def test_discard_deletes_the_row_and_releases_the_ones_held_behind_it(
    db: Sessions, client: httpx.AsyncClient
) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("a", 1), ("a", 2), ("a", 3)])
    publisher = RefusingPublisher(refused={"a"})
    relay = new_relay(db, publisher)
    await relay.relay_once()
    await relay.relay_once()
    head, *held = (await client.get("/outbox/parked", headers=OPS)).json()
    assert [h["blocked_by"] for h in held] == [head["seq"], head["seq"]]

    answer = await client.post(f"/outbox/parked/{head['seq']}/discard", headers=OPS)
    assert answer.json() == {"seq": head["seq"], "released": 2}
    assert (
        await client.post(f"/outbox/parked/{head['seq']}/discard", headers=OPS)
    ).status_code == 404
    async with db() as session:
        (entry,) = await entries(session, AUDIT)
    assert (entry.action, entry.entity_id, entry.after) == ("discarded", str(head["seq"]), None)
    assert entry.before is not None and entry.before["event_id"] == head["event_id"]
    assert entry.note == "2 row(s) held behind it put back in line" and entry.reason is None
    publisher.refused.clear()
    assert await relay.relay_once() == 3
    assert publisher.published == [("a", 2), ("a", 3)]
    assert publisher.audited == ["discarded"]


async def test_a_refused_action_leaves_no_audit_row(
    db: Sessions, client: httpx.AsyncClient
) -> None:
    await add_things(db, thing_catalog(unique_topic()), [("a", 1)])
    await new_relay(db, RefusingPublisher(refused={"a"})).relay_once()
    [row] = (await client.get("/outbox/parked", headers=OPS)).json()
    for action in ("retry", "discard"):
        path = f"/outbox/parked/{row['seq']}/{action}"
        assert (await client.post(path, headers=READER)).status_code == 403
        too_long = {"reason": "x" * 2001}
        assert (await client.post(path, params=too_long, headers=OPS)).status_code == 422
    assert (await client.post("/outbox/parked/999999/discard", headers=OPS)).status_code == 404
    beyond = f"/outbox/parked/{2**63}/retry"  # no BIGINT: refused before the database
    assert (await client.post(beyond, headers=OPS)).status_code == 422
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(AUDIT)) == 0
        assert (
            await session.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.topic == ACTIVITIES_AUDIT_TOPIC)
            )
            == 0
        )
