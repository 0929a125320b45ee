"""Fetches are bounded (issue 14, case 5), against a real HTTP server on loopback: the
host allow-list on every redirect hop, https outside development, the size of an answer
and the time of a whole call."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from activities.adapters import delivery_store
from activities.adapters.uit_client import FetchFailed, FetchRefused, UitClient, http_client
from activities.service_layer import processing

Load = Callable[[str], dict[str, Any]]
EVENT_ID = "23017cb7-e515-47b4-87c4-780735acc942"
LIMIT = 64 * 1024


class Server:
    """A tiny UiTdatabank look-alike that misbehaves on request; it records every path
    it was asked for."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.hits: list[str] = []
        self.port = 0

    def app(self) -> Starlette:
        async def record(request: Request) -> None:
            self.hits.append(f"{request.url.hostname}{request.url.path}")

        async def event(request: Request) -> Response:
            await record(request)
            return JSONResponse(self.document)

        async def off_host(request: Request) -> Response:
            await record(request)  # the same server, by a name that is not allowed
            return RedirectResponse(f"http://localhost:{self.port}/events/{EVENT_ID}", 302)

        async def on_host(request: Request) -> Response:
            await record(request)
            return RedirectResponse(f"/events/{EVENT_ID}", 301)

        async def loop(request: Request) -> Response:
            await record(request)
            return RedirectResponse("/loop", 302)

        async def big(request: Request) -> Response:
            await record(request)

            async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: streamed
                yield b'{"padding": "'
                for _ in range(64):
                    yield b"x" * 16 * 1024
                yield b'"}'

            return StreamingResponse(chunks(), media_type="application/json")

        async def big_declared(request: Request) -> Response:
            await record(request)
            return Response(b"[" + b"0," * LIMIT + b"0]", media_type="application/json")

        async def latin1(request: Request) -> Response:
            await record(request)
            return Response(b'{"name": {"nl": "caf\xe9"}}', media_type="application/json")

        async def deep(request: Request) -> Response:
            await record(request)
            return Response(b"[" * 30_000 + b"]" * 30_000, media_type="application/json")

        async def slow(request: Request) -> Response:
            await record(request)

            async def drip() -> AsyncIterator[bytes]:  # a byte now and then, for ever
                yield b"["
                while True:
                    await asyncio.sleep(0.1)
                    yield b"0,"

            return StreamingResponse(drip(), media_type="application/json")

        return Starlette(
            routes=[
                Route("/events/{id}", event),
                Route("/off-host/events/{id}", off_host),
                Route("/on-host/events/{id}", on_host),
                Route("/loop", loop),
                Route("/big", big),
                Route("/big-declared", big_declared),
                Route("/slow", slow),
                Route("/latin1", latin1),
                Route("/deep", deep),
            ]
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def server(load_event: Load) -> AsyncIterator[Server]:
    served = Server(load_event("original"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    served.port = sock.getsockname()[1]
    config = uvicorn.Config(served.app(), log_level="warning", lifespan="off")
    uvi = uvicorn.Server(config)
    sock.listen()  # connections wait in the backlog until uvicorn has started
    task = asyncio.create_task(uvi.serve(sockets=[sock]))
    yield served
    uvi.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def uit() -> AsyncIterator[UitClient]:
    """The client as the worker builds it (development: http allowed for the stand-in)."""
    async with http_client(timeout=5) as client:
        yield UitClient(client, hosts=["127.0.0.1"], allow_http=True, max_bytes=LIMIT)


async def test_a_document_on_an_allowed_host_is_fetched_also_after_a_redirect_there(
    server: Server, uit: UitClient
) -> None:
    direct = await uit.fetch(server.url(f"/events/{EVENT_ID}"))
    redirected = await uit.fetch(server.url(f"/on-host/events/{EVENT_ID}"))

    assert direct.document["@id"].endswith(EVENT_ID)
    assert redirected.document == direct.document


async def test_a_redirect_off_the_allowed_hosts_is_refused_and_not_followed(
    server: Server, uit: UitClient
) -> None:
    with pytest.raises(FetchRefused, match="host 'localhost' is not an allowed"):
        await uit.fetch(server.url(f"/off-host/events/{EVENT_ID}"))

    assert server.hits == [f"127.0.0.1/off-host/events/{EVENT_ID}"]  # never localhost


async def test_endless_redirects_stop_after_the_hop_limit(server: Server, uit: UitClient) -> None:
    with pytest.raises(FetchRefused, match="more than 3 redirects"):
        await uit.fetch(server.url("/loop"))

    assert len(server.hits) == 4


async def test_plain_http_is_refused_outside_development(server: Server) -> None:
    async with http_client(timeout=5) as client:
        production = UitClient(client, hosts=["127.0.0.1"])  # allow_http is off by default
        with pytest.raises(FetchRefused, match="scheme 'http' is not allowed"):
            await production.fetch(server.url(f"/events/{EVENT_ID}"))

    assert server.hits == []


async def test_an_answer_over_the_size_limit_is_refused_while_it_streams(
    server: Server, uit: UitClient
) -> None:
    with pytest.raises(FetchRefused, match=f"over {LIMIT} bytes"):
        await uit.fetch(server.url("/big"))
    with pytest.raises(FetchRefused, match=f"over {LIMIT}"):
        await uit.fetch(server.url("/big-declared"))


async def test_a_slow_answer_is_cut_at_the_deadline(server: Server) -> None:
    started = time.monotonic()

    async with http_client(timeout=5) as client:  # each read comes well within 5 s
        impatient = UitClient(client, hosts=["127.0.0.1"], allow_http=True, deadline=1.0)
        with pytest.raises(FetchFailed, match="no whole answer within 1 s") as failed:
            await impatient.fetch(server.url("/slow"))

    assert time.monotonic() - started < 4
    assert not failed.value.unreachable  # charged to the delivery, not waited out


async def test_nobody_listening_is_an_outage_not_charged() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with http_client(timeout=5) as client:
        quick = UitClient(client, hosts=["127.0.0.1"], allow_http=True, backoff=0.01)
        with pytest.raises(FetchFailed) as failed:
            await quick.fetch(f"http://127.0.0.1:{port}/events/{EVENT_ID}")

    assert failed.value.unreachable


async def test_the_worker_quarantines_a_notification_that_redirects_off_host(
    server: Server,
    uit: UitClient,
    post_document: Callable[..., Awaitable[httpx.Response]],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    iri = server.url(f"/off-host/events/{EVENT_ID}")
    body = {"id": "n1", "payload": {"item_id": EVENT_ID, "iri": iri}}
    await post_document(json.dumps(body), process=False, msg_id="msg_redirect")

    assert await processing.drain(sessions, uit) == ["quarantined"]
    async with sessions() as session:
        [item] = await delivery_store.quarantined(session, limit=10, after=None)
    assert item.attempts == 0
    assert "host 'localhost' is not an allowed UiTdatabank host" in (item.error or "")


async def test_an_answer_that_is_not_utf8_or_nested_too_deeply_is_refused_at_once(
    server: Server, uit: UitClient
) -> None:
    with pytest.raises(FetchRefused, match="not UTF-8"):
        await uit.fetch(server.url("/latin1"))
    with pytest.raises(FetchRefused, match="nested too deeply"):
        await uit.fetch(server.url("/deep"))
