"""Persisted partner queries answered from the response cache (ADR 0016), with HTTP validators
(cached_answers.py; the request read by persisted_request.py).

An ASGI middleware in front of `/graphql`. A request is a candidate when it names a
persisted query by hash alone (`extensions.persistedQuery.sha256Hash`, GET or POST, no
query text), the hash is known (safelist or APQ), its caller is known, the caller may run
it (a `--safelist-only` key only safelisted operations) and the query asks only
cacheable fields (`gateway.schema.cacheability`). Anything else goes to GraphQL untouched.

- **Hit** (the change feed is current, `ChangeFeed.fresh_enough`, and an entry is alive):
  the kept `data`, the caller's own cost figures (the query's cost is paid from the
  caller's budget as if it ran: the budget limits what a key asks; with too few points
  the request goes to GraphQL, which answers 429), `ETag`, `Cache-Status: ...; hit`.
- **Miss**: GraphQL answers; an answer with data and no errors is kept under the epochs
  read before it ran (an event during the run ends it at once).
- **Bypass** (the feed is not current): GraphQL answers, nothing is kept or served.

For GET, every persisted answer without errors carries `ETag` (SHA-256 of its `data`) and
`Cache-Control: private, no-cache`, and an `If-None-Match` that matches is a 304: a browser
revalidates each time (an event may change the answer at any moment, so no max-age is
right), and no shared cache keeps what a key was given (`private`, `Vary`).

The key holds the caller's *scope*: partner or ops, its ops scopes, and whether it is
safelist-only. Partner answers depend on nothing else of the caller (the resolvers read
only these); the parts that are per caller (cost, remaining budget) are made per request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from graphql import GraphQLSchema
from prometheus_client import Counter
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain.response_cache import Entry, Key, ResponseCache, cache_key, etag_of
from gateway.entrypoints.cached_answers import (
    cost_of,
    data_of,
    matches,
    send_answer,
    validators,
    with_status,
)
from gateway.entrypoints.persisted_request import (
    from_body,
    from_query_string,
    is_json,
    read_body,
    replay,
)
from gateway.schema.cacheability import cache_tags
from gateway.schema.context import Caller, Guard
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC

CACHE_RESULTS = Counter(
    "stem_gateway_response_cache_total",
    "Persisted queries by what the response cache did: hit, miss (ran and kept if it could), "
    "bypass (the change feed not current: ran, nothing kept)",
    ["result"],
)
MAX_ANALYSED = 2000  # query hashes whose cacheability is remembered


class Feed(Protocol):
    """The change feed as the cache sees it (`gateway.adapters.change_feed.ChangeFeed`)."""

    def fresh_enough(self, max_lag: float) -> bool: ...
    def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass
class Invalidation:
    """What an event of a topic ends: the answers depending on it, and the gateway's own
    copies of academies or municipalities (`gateway.adapters.reference`)."""

    cache: ResponseCache
    guard: Guard

    def changed(self, topic: str) -> None:
        self.cache.invalidate([topic])
        if topic == ACADEMY_TOPIC:
            self.guard.academies.clear()
        elif topic == MUNICIPALITY_TOPIC:
            self.guard.municipalities.clear()

    def restarted(self) -> None:
        """The feed (re)started at the topics' end: what it missed cannot be known."""
        self.cache.invalidate_all()
        self.guard.academies.clear()
        self.guard.municipalities.clear()


def scope_of(caller: Caller) -> str:
    """What of a caller an answer may depend on: nothing that tells one key from another."""
    return f"{caller.kind}|{','.join(sorted(caller.scopes))}|{int(caller.safelist_only)}"


@dataclass
class CachedGraphQL:
    """ASGI middleware for `/graphql`; see the module's docstring."""

    app: ASGIApp
    cache: ResponseCache
    feed: Feed | None
    guard: Guard
    schema: GraphQLSchema
    identify_caller: Callable[[HTTPConnection], Caller | None]
    max_lag: float
    path: str = "/graphql"
    _tags: dict[str, frozenset[str] | None] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "GET":
            request = from_query_string(scope.get("query_string", b""))
        elif method == "POST" and is_json(scope):
            body = await read_body(receive)
            receive = replay(body, receive)
            request = from_body(body)
        else:
            request = None
        if request is None:
            await self.app(scope, receive, send)
            return
        caller = self.identify_caller(HTTPConnection(scope))
        tags = None if caller is None else self._cacheable(request.query_hash, caller)
        if caller is None or tags is None:
            await self._validated(scope, receive, send, method)
            return
        key = cache_key(request.query_hash, request.operation, request.variables, scope_of(caller))
        if self.feed is None or not self.feed.fresh_enough(self.max_lag):
            CACHE_RESULTS.labels("bypass").inc()
            await self._validated(scope, receive, send, method, status=b"fwd=bypass")
            return
        entry = self.cache.get(key)
        if entry is not None and await self._answer(scope, send, method, caller, entry):
            CACHE_RESULTS.labels("hit").inc()
            return
        CACHE_RESULTS.labels("miss").inc()
        epochs = self.cache.snapshot(tags)
        born = self.cache.clock()
        await self._validated(
            scope, receive, send, method, status=b"fwd=miss", keep=(key, epochs, born)
        )

    def _cacheable(self, query_hash: str, caller: Caller) -> frozenset[str] | None:
        safelisted = query_hash in self.guard.safelist
        if caller.safelist_only and not safelisted:
            return None  # GraphQL refuses it (PERSISTED_QUERY_NOT_ALLOWED)
        if query_hash in self._tags:
            return self._tags[query_hash]
        query = self.guard.safelist.get(query_hash) or self.guard.apq.get(query_hash)
        if query is None:
            return None  # GraphQL answers PERSISTED_QUERY_NOT_FOUND
        if len(self._tags) >= MAX_ANALYSED:
            self._tags.clear()
        tags = self._tags[query_hash] = cache_tags(self.schema, query)
        return tags

    async def _answer(
        self, scope: Scope, send: Send, method: str, caller: Caller, entry: Entry
    ) -> bool:
        """Answer from `entry`, paying its cost; False when the caller's budget cannot."""
        buckets = self.guard.buckets
        paid, rest = buckets.take(caller.id, entry.cost)
        if not paid:
            return False
        headers = [
            (b"x-ratelimit-limit", str(buckets.capacity).encode()),
            (b"x-ratelimit-remaining", str(int(rest)).encode()),
            (b"cache-status", b"stem-gateway; hit"),
        ]
        if method == "GET":
            headers += validators(entry.etag)
            if matches(scope, entry.etag):
                await send_answer(send, 304, headers, b"")
                return True
        cost = {"requested": entry.cost, "remaining": int(rest), "limit": buckets.capacity}
        extensions = json.dumps({"cost": cost}, separators=(",", ":")).encode()
        body = b'{"data":' + entry.data + b',"extensions":' + extensions + b"}"
        headers.append((b"content-type", b"application/json"))
        await send_answer(send, 200, headers, body)
        return True

    async def _validated(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        *,
        status: bytes | None = None,
        keep: tuple[Key, tuple[tuple[str, int], ...], float] | None = None,
    ) -> None:
        """GraphQL's answer; kept (`keep`) and given validators (GET) when it has no errors."""
        if keep is None and method != "GET":
            await self.app(scope, receive, with_status(send, status))
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            return
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        data = data_of(body) if start["status"] == 200 else None
        if status is not None:
            headers.append((b"cache-status", b"stem-gateway; " + status))
        if data is not None:
            etag = etag_of(data)
            if keep is not None:
                key, epochs, born = keep
                self.cache.put(key, Entry(data, etag, cost_of(body), born, epochs))
            if method == "GET":
                headers += validators(etag)
                if matches(scope, etag):
                    await send_answer(send, 304, headers, b"")
                    return
        await send_answer(send, start["status"], headers, body)
