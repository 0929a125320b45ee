"""The gateway's HTTP app (`uvicorn gateway.entrypoints.api:create_app --factory`).

GraphQL at /graphql for partners (X-API-Key) and ops (bearer token); /healthz, /readyz (the
three upstreams' /healthz) and /metrics as on every service. Stateless: no database, only
pooled HTTP clients to the upstream services, opened at startup and closed at shutdown,
and the per-process guard (cost buckets, APQ cache).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import cast

import httpx
import strawberry
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.base import BaseSchema

from gateway.academy_web import academy_router
from gateway.adapters.change_feed import ChangeFeed
from gateway.adapters.key_store import KeyStore
from gateway.adapters.persisted import QueryCache, load_safelist
from gateway.adapters.reference import MunicipalityCache
from gateway.adapters.upstreams import UPSTREAMS, Upstreams, healthy, open_upstreams
from gateway.config import SERVICE, Settings
from gateway.domain.bucket import Buckets, replica_share
from gateway.domain.response_cache import ResponseCache
from gateway.embed import OPERATIONS as EMBED_OPERATIONS
from gateway.embed import embed_router
from gateway.entrypoints.cached_graphql import CachedGraphQL, Feed, Invalidation
from gateway.entrypoints.limits import BodyLimit
from gateway.graphql_api.query import make_schema
from gateway.ops_web import ops_router
from gateway.ops_web.academy_changes_page import academy_changes_router
from gateway.ops_web.keys_page import keys_router
from gateway.ops_web.link_requests_page import link_requests_router
from gateway.ops_web.session import Identify
from gateway.ops_web.staff import StaffPages, ops_sessions
from gateway.partner_api.feeds import feeds_router
from gateway.schema.cacheability import TOPICS
from gateway.schema.callers import API_KEY_HEADER, identify, partner_keys, require_caller
from gateway.schema.context import Caller, Context, Guard
from gateway.schema.loaders import make_loaders
from stemkit.http.standard_routes import ReadinessCheck, add_platform_routes, stable_operation_id
from stemkit.logging import configure_logging

# A GraphQL answer allocates tens of thousands of short-lived objects, nearly all freed by
# reference counting; at the default generation-0 threshold (700) the cyclic collector still
# ran several times per calendar page (docs/performance-notes.md, gateway). Kept: the default
# costs the gateway about a quarter more CPU per page, side by side in bench_gateway (ADR 0025).
GC_THRESHOLDS = (20_000, 50, 100)


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    change_feed: Feed | None = None,
) -> FastAPI:
    """`transports` (per upstream name) replaces the network, and `change_feed` the gateway's
    Kafka reader (`app.state.invalidation` takes its events), for tests."""
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    gc.set_threshold(*GC_THRESHOLDS)
    # httpx logs every upstream request at INFO: one line per batch per query is noise.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))

    guard = _guard(settings)
    cache, invalidation, feed = _response_cache(settings, guard, change_feed)
    app = FastAPI(
        title="STEM gateway",
        version="1",
        lifespan=_lifespan(settings, transports, feed),
        generate_unique_id_function=stable_operation_id,
    )
    app.state.invalidation, app.state.response_cache = invalidation, cache
    store = KeyStore(settings.key_store_path)
    identify_caller = identify(settings, store)
    graphql = _graphql_router(settings, guard, identify_caller)
    app.include_router(graphql, prefix="/graphql")
    app.include_router(feeds_router(partner_keys(settings, store), guard))
    app.include_router(embed_router())
    _include_pages(app, settings, identify_caller, guard, graphql.schema, store)
    add_platform_routes(app, SERVICE, _upstream_checks(app))
    if settings.response_cache_seconds > 0:
        # Innermost: inside the body limit and CORS, so both hold for cached answers too.
        app.add_middleware(
            CachedGraphQL,
            cache=cache,
            feed=feed,
            guard=guard,
            schema=cast("strawberry.Schema", graphql.schema)._schema,
            identify_caller=identify_caller,
            max_lag=settings.response_cache_max_lag_seconds,
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, prefix="/graphql")
    if settings.cors_origins:
        _allow_partner_origins(app, settings.cors_origins)
    return app


def _response_cache(
    settings: Settings, guard: Guard, change_feed: Feed | None
) -> tuple[ResponseCache, Invalidation, Feed | None]:
    """The response cache, what ends its entries, and the change feed that says when (none
    when the cache is off and no feed is given)."""
    cache = ResponseCache(
        max_age=settings.response_cache_seconds,
        max_bytes=settings.response_cache_max_bytes,
        clock=time.monotonic,
        tags=TOPICS,
    )
    invalidation = Invalidation(cache, guard)
    feed: Feed | None = change_feed
    if feed is None and settings.response_cache_seconds > 0:
        feed = ChangeFeed(
            settings.kafka_bootstrap_servers,
            TOPICS,
            invalidation.changed,
            invalidation.restarted,
        )
    return cache, invalidation, feed


def _lifespan(
    settings: Settings,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None,
    feed: Feed | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The upstream clients and the change feed live as long as the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstreams = open_upstreams(settings, transports)
        if feed is not None:
            feed.start()
        try:
            yield
        finally:
            if feed is not None:
                await feed.stop()
            await app.state.upstreams.aclose()

    return lifespan


def _graphql_router(
    settings: Settings, guard: Guard, identify_caller: Identify
) -> GraphQLRouter[Context, None]:
    async def context(request: Request) -> Context:
        upstreams: Upstreams = request.app.state.upstreams
        # No caller only for the playground page itself, which runs no operation.
        caller = getattr(request.state, "caller", None) or Caller(id="anonymous", kind="partner")
        loaders = make_loaders(upstreams, guard.municipalities, guard.academies)
        return Context(loaders, caller, guard)

    return GraphQLRouter[Context, None](
        make_schema(settings.max_depth, settings.max_aliases, settings.max_tokens),
        context_getter=context,
        graphql_ide="graphiql" if settings.graphiql else None,
        dependencies=[
            Depends(
                require_caller(
                    identify_caller,
                    ide_enabled=settings.graphiql,
                    verifier=settings.token_verifier(),
                )
            )
        ],
        subscription_protocols=(),  # no subscriptions: queries only
        tags=["graphql"],
    )


def _include_pages(
    app: FastAPI,
    settings: Settings,
    identify_caller: Identify,
    guard: Guard,
    schema: BaseSchema,
    store: KeyStore,
) -> None:
    """/ops (staff) and /academie (coordinators); the /ops routers share one session store."""
    sessions = ops_sessions(settings)  # one per process, for every /ops router
    app.state.ops_sessions = sessions
    app.include_router(ops_router(settings, identify_caller, guard, schema, sessions))
    staff_pages = StaffPages(sessions)  # the /ops pages that change things (issue 21)
    app.include_router(link_requests_router(staff_pages))
    app.include_router(keys_router(store, staff_pages))
    app.include_router(academy_changes_router(staff_pages))
    app.include_router(academy_router(settings))  # academy self-service (issue 21)


def _allow_partner_origins(app: FastAPI, origins: list[str]) -> None:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=[API_KEY_HEADER, "Content-Type", "If-None-Match", "If-Modified-Since"],
        expose_headers=[
            "Retry-After",
            "ETag",
            "Last-Modified",
            "X-RateLimit-Remaining",
            "Cache-Status",
        ],
        max_age=600,
    )


def _guard(settings: Settings) -> Guard:
    # Each replica holds its share of every key's budget and refill (ADR 0012).
    buckets = Buckets(
        replica_share(settings.cost_budget, settings.replicas),
        settings.cost_refill_per_second / settings.replicas,
        time.monotonic,
    )
    return Guard(
        buckets=buckets,
        max_query_cost=settings.max_query_cost,
        apq=QueryCache(),
        # The embedded calendar's own operations are always known, by hash (gateway.embed).
        safelist={**EMBED_OPERATIONS, **load_safelist(settings.safelist_file)},
        refused_cost=settings.refused_query_cost,
        production=settings.environment == "production",
        municipalities=MunicipalityCache(ttl=settings.reference_ttl),
        upstream_token=settings.gateway_token.get_secret_value(),
    )


def _upstream_checks(app: FastAPI) -> dict[str, ReadinessCheck]:
    def check(name: str) -> ReadinessCheck:
        async def reachable() -> bool:
            upstreams: Upstreams = app.state.upstreams
            return await healthy(upstreams.by_name()[name])

        return reachable

    return {name: check(name) for name in UPSTREAMS}
