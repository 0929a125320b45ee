"""What every resolver and extension sees: the caller, the loaders, the gateway's guard."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from strawberry.fastapi import BaseContext
from strawberry.types import Info

from gateway.adapters.persisted import QueryCache
from gateway.adapters.reference import AcademyCache, MunicipalityCache
from gateway.domain.bucket import Buckets
from gateway.schema.loaders import Loaders
from stemkit.access.identity import Principal


@dataclass(frozen=True)
class Caller:
    """Who asks: a partner (API key) or ops (a static bearer token with scopes, or a person
    signed in with the OpenID Connect provider: `principal`)."""

    id: str  # the bucket it pays from: "key:<id>", "env:<n>", "ops:<n>" or "oidc:<subject>"
    kind: Literal["partner", "ops"]
    scopes: frozenset[str] = frozenset()
    safelist_only: bool = False
    principal: Principal | None = None


@dataclass(frozen=True)
class Guard:
    """The app-wide protection state (one per process), handed to each request."""

    buckets: Buckets
    max_query_cost: int
    apq: QueryCache
    safelist: Mapping[str, str]
    production: bool
    municipalities: MunicipalityCache
    upstream_token: str  # the gateway's own service token (STEM_GATEWAY_TOKEN)
    academies: AcademyCache = field(default_factory=AcademyCache)
    refused_cost: int = 50  # what a query refused before it runs pays (GATEWAY_REFUSED_QUERY_COST)


class Context(BaseContext):
    def __init__(self, loaders: Loaders, caller: Caller, guard: Guard) -> None:
        super().__init__()
        self.loaders, self.caller, self.guard = loaders, caller, guard


Resolve = Info[Context, None]
