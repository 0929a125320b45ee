"""Settings of the gateway, from `GATEWAY_*` environment variables. No database: stateless."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from gateway.oidc_settings import OidcClients
from stemkit.access.oidc_client import ClientCredentials

SERVICE = "gateway"

# Development default, printed by `make run`; refused in production. As long as a real key
# must be (stemkit.settings.MIN_SECRET_LENGTH), so that a test environment may use it.
DEV_PARTNER_KEY = "dev-partner-key-for-make-run-and-tests"


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(OidcClients):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    registry_url: str = Field(default="http://127.0.0.1:8001", description="Registry service")
    activities_url: str = Field(default="http://127.0.0.1:8002", description="Activities service")
    subsidy_url: str = Field(default="http://127.0.0.1:8003", description="Subsidy service")
    upstream_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for an upstream answer (read, write, pool)"
    )
    upstream_connect_timeout: float = Field(
        default=2.0, gt=0, description="Seconds to wait for a connection to an upstream"
    )
    upstream_max_connections: int = Field(
        default=50, ge=1, description="Pooled connections per upstream service"
    )
    # NoDecode: the environment gives "a,b,c", not a JSON list.
    partner_api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEV_PARTNER_KEY)],
        description="Plain partner API keys (X-API-Key), comma separated; besides the key store",
    )
    ops_token_scopes: dict[str, list[str]] = Field(
        default_factory=dict,
        description='More ops tokens with their scopes, JSON: {"token": ["subsidies", ...]}; '
        "STEM_OPS_TOKEN has every scope",
    )
    dev_coordinator_tokens: dict[str, str] = Field(
        default_factory=dict,
        description='Development sign-in for academy coordinators, JSON {"token": "academy id"}: '
        "each token is a coordinator of that academy on /academie (refused in production; "
        "there coordinators sign in with the identity provider)",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Partner origins allowed by CORS, comma separated"
    )
    max_depth: int = Field(default=10, ge=1, description="Deepest selection allowed")
    max_aliases: int = Field(default=15, ge=0, description="Most aliases in one query")
    max_tokens: int = Field(default=2000, ge=1, description="Most lexical tokens in one query")
    max_body_bytes: int = Field(default=65536, ge=1, description="Largest /graphql request body")
    max_query_cost: int = Field(default=5000, ge=1, description="Costliest single query")
    cost_budget: int = Field(
        default=10000, ge=1, description="Points per key in the bucket (its capacity)"
    )
    cost_refill_per_second: float = Field(
        default=100.0, gt=0, description="Points a key's bucket regains per second"
    )
    refused_query_cost: int = Field(
        default=50,
        ge=0,
        description="Points a query refused before it runs pays (syntax, validation, size, cost)",
    )
    replicas: int = Field(
        default=1,
        ge=1,
        description="Gateway processes that share the rate limits, cost budget and sign-in "
        "throttle: each allows its share (the HPA's maxReplicas in k8s; ADR 0012)",
    )
    ops_session_idle_seconds: float = Field(
        default=1800.0, gt=0, description="An /ops session ends after this long unused"
    )
    ops_session_max_seconds: float = Field(
        default=28800.0, gt=0, description="An /ops session ends this long after sign-in"
    )
    ops_signin_failures_per_address: int = Field(
        default=10, ge=1, description="Failed /ops sign-ins from one address in the window"
    )
    ops_signin_failures_in_all: int = Field(
        default=100, ge=1, description="Failed /ops sign-ins from all addresses in the window"
    )
    ops_signin_window_seconds: float = Field(
        default=900.0, gt=0, description="The sliding window of the /ops sign-in throttle"
    )
    reference_ttl: float = Field(
        default=300.0, ge=0, description="Seconds a year's municipalities are kept in memory"
    )
    response_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Longest a cached persisted-query answer is served (events end it sooner); "
        "0: no response cache and no change feed (ADR 0016)",
    )
    response_cache_max_lag_seconds: float = Field(
        default=0.5,
        gt=0,
        description="The cache answers only while the change feed has applied every event "
        "published more than this long ago; otherwise queries run uncached",
    )
    response_cache_max_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="Bytes of answers the response cache keeps (least recently used out first)",
    )
    safelist_file: Path | None = Field(
        default=None,
        description="Persisted-query manifest (Apollo format) of the first-party operations",
    )

    _split = field_validator("partner_api_keys", "cors_origins", mode="before")(_comma_list)

    @model_validator(mode="after")
    def _no_dev_key_in_production(self) -> Settings:
        keys = {key.get_secret_value() for key in self.partner_api_keys}
        if self.environment == "production" and DEV_PARTNER_KEY in keys:
            raise ValueError("GATEWAY_PARTNER_API_KEYS must not hold the development key")
        if self.environment == "production" and self.dev_coordinator_tokens:
            raise ValueError("GATEWAY_DEV_COORDINATOR_TOKENS is for development and tests only")
        return self

    @model_validator(mode="after")
    def _no_static_machine_tokens_with_a_provider_in_production(self) -> Settings:
        """Production with a provider admits no static token (docs/adr/0021): extra ops tokens
        would silently open nothing, and without its client the gateway's every upstream
        call would be refused, so both stop it at start-up."""
        if self.static_tokens_accepted or self.environment != "production":
            return self
        if self.ops_token_scopes:
            raise ValueError(
                "GATEWAY_OPS_TOKEN_SCOPES is refused in production with an identity provider "
                "(STEM_OIDC_ISSUER): people sign in with the provider; remove the tokens"
            )
        if not (self.oidc_client_id and self.oidc_client_secret.get_secret_value()):
            raise ValueError(
                "GATEWAY_OIDC_CLIENT_ID and GATEWAY_OIDC_CLIENT_SECRET are required in "
                "production with an identity provider (STEM_OIDC_ISSUER): the services "
                "accept no static token there, STEM_GATEWAY_TOKEN included"
            )
        return self

    def machine_credentials(self, *, cli: bool = False) -> ClientCredentials | None:
        """The gateway's (or the CLI's) client credentials; None: the static token, which
        production with a provider refuses, so there a missing client is an error."""
        found = super().machine_credentials(cli=cli)
        if found is None and not self.static_tokens_accepted:
            client = "STEM_CLI_OIDC_CLIENT_ID" if cli else "GATEWAY_OIDC_CLIENT_ID"
            raise RuntimeError(
                f"{client} and its secret are required in production with an identity "
                "provider (STEM_OIDC_ISSUER): the services refuse static tokens there"
            )
        return found

    def named_secrets(self) -> list[tuple[str, str]]:
        """The shared tokens, the partner keys and the extra ops tokens: each as long as a
        secret must be outside development (stemkit.settings.check_secrets)."""
        return [
            *super().named_secrets(),
            *(
                ("GATEWAY_PARTNER_API_KEYS", key.get_secret_value())
                for key in self.partner_api_keys
            ),
            *(("GATEWAY_OPS_TOKEN_SCOPES", token) for token in self.ops_token_scopes),
            *(("GATEWAY_DEV_COORDINATOR_TOKENS", t) for t in self.dev_coordinator_tokens),
        ]

    @model_validator(mode="after")
    def _each_replica_can_pay_the_costliest_query(self) -> Settings:
        if self.cost_budget // self.replicas < self.max_query_cost:
            raise ValueError(
                f"GATEWAY_COST_BUDGET {self.cost_budget} shared by GATEWAY_REPLICAS "
                f"{self.replicas} leaves each replica less than GATEWAY_MAX_QUERY_COST "
                f"{self.max_query_cost}: raise the budget to at least "
                f"{self.max_query_cost * self.replicas} or lower the query cost limit"
            )
        return self

    @property
    def graphiql(self) -> bool:
        """The GraphiQL playground is a development aid only."""
        return self.environment == "development"

    @property
    def key_store_path(self) -> Path:
        """The partner key store (hashes only), under STEM_DATA_DIR."""
        return Path(self.data_dir) / "gateway-keys.json"
