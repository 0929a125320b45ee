"""Settings every service shares, read from the environment (pydantic-settings).

Each service subclasses `ServiceSettings` (`DatabaseServiceSettings` when it has a database)
with its own `env_prefix` (e.g. `ACTIVITIES_`), so `ACTIVITIES_DATABASE_URL` points the
activities service at its database; the Kafka address is shared by all:
`KAFKA_BOOTSTRAP_SERVERS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stemkit.access.auth import ALL_SCOPES, OPS, READ, Doorkeeper
from stemkit.access.oidc import JwksVerifier, OidcConfig

# Development defaults, printed by `make run`; production refuses them. Each is as long as
# a real secret must be, so that a test environment (STEM_ENV=test) may use them.
DEV_OPS_TOKEN = "dev-ops-token-for-make-run-and-tests"
DEV_GATEWAY_TOKEN = "dev-gateway-token-for-make-run-and-tests"
DEV_CLI_TOKEN = "dev-cli-token-for-make-run-and-tests"
DEV_SECRETS = frozenset({DEV_OPS_TOKEN, DEV_GATEWAY_TOKEN, DEV_CLI_TOKEN})
MIN_SECRET_LENGTH = 32  # characters; outside development a shorter secret is refused
DEFAULT_METRICS_HOST = "127.0.0.1"  # relays' and consumers' /metrics: this machine only


def check_secrets(
    environment: str, named: Iterable[tuple[str, str]], development_values: Iterable[str] = ()
) -> None:
    """Refuse, outside development, an empty secret or one shorter than MIN_SECRET_LENGTH, and
    in production a development default. `named`: (setting, value) pairs."""
    if environment == "development":
        return
    known = DEV_SECRETS | set(development_values)
    for name, value in named:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"{name} must hold at least {MIN_SECRET_LENGTH} characters outside "
                "development (STEM_ENV=development)"
            )
        if environment == "production" and value in known:
            raise ValueError(f"{name} must be set to a real secret in production")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="localhost:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
        description="Kafka bootstrap servers, comma separated",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))
    data_dir: str = Field(
        default="var/data",
        validation_alias=AliasChoices("STEM_DATA_DIR", "data_dir"),
        description="Folder of the embedded SQLite files",
    )
    environment: Literal["development", "test", "production"] = Field(
        default="development",
        validation_alias=AliasChoices("STEM_ENV", "environment"),
        description="`production` refuses development secrets",
    )
    ops_token: SecretStr = Field(
        default=SecretStr(DEV_OPS_TOKEN),
        validation_alias=AliasChoices("STEM_OPS_TOKEN", "ops_token"),
        description="The ops token (Authorization: Bearer ...): every scope of every service",
    )
    metrics_host: str = Field(
        default=DEFAULT_METRICS_HOST,
        validation_alias=AliasChoices("STEM_METRICS_HOST", "metrics_host"),
        description="Address the relay and consumer metrics servers bind (the pod IP in k8s)",
    )
    gateway_token: SecretStr = Field(
        default=SecretStr(DEV_GATEWAY_TOKEN),
        validation_alias=AliasChoices("STEM_GATEWAY_TOKEN", "gateway_token"),
        description="The gateway's own token to the services (never a partner's credential)",
    )
    cli_token: SecretStr = Field(
        default=SecretStr(DEV_CLI_TOKEN),
        validation_alias=AliasChoices("STEM_CLI_TOKEN", "cli_token"),
        description="The token the `stem` CLI presents to the services",
    )
    # The OpenID Connect provider (docs/adr/0019): unset, only the static tokens are known.
    oidc_issuer: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STEM_OIDC_ISSUER", "oidc_issuer"),
        description="Issuer URL of the OpenID Connect provider whose access tokens are "
        "accepted (its /.well-known/openid-configuration names the JWKS)",
    )
    oidc_audience: str = Field(
        default="stem-platform",
        validation_alias=AliasChoices("STEM_OIDC_AUDIENCE", "oidc_audience"),
        description="The audience (`aud`) an access token must name",
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STEM_OIDC_JWKS_URL", "oidc_jwks_url"),
        description="The provider's JWKS, when not the one its discovery document names",
    )
    oidc_roles_claim: str = Field(
        default="realm_access.roles",
        validation_alias=AliasChoices("STEM_OIDC_ROLES_CLAIM", "oidc_roles_claim"),
        description="Dot paths (comma separated) of the token claims holding the roles, e.g. "
        "`realm_access.roles` or `resource_access.stem-platform.roles`",
    )
    oidc_academy_claim: str = Field(
        default="academy_id",
        validation_alias=AliasChoices("STEM_OIDC_ACADEMY_CLAIM", "oidc_academy_claim"),
        description="The claim naming a coordinator's academy",
    )
    _verifier: JwksVerifier | None = PrivateAttr(default=None)

    @field_validator("oidc_issuer", "oidc_jwks_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _real_secrets(self) -> ServiceSettings:
        if self.static_tokens_accepted and not self.ops_token.get_secret_value().strip():
            raise ValueError("STEM_OPS_TOKEN must not be empty")
        check_secrets(self.environment, self.named_secrets())
        if (
            self.environment == "production"
            and self.oidc_issuer
            and not self.oidc_issuer.startswith("https://")
        ):
            raise ValueError("STEM_OIDC_ISSUER must be an https URL in production")
        return self

    def oidc(self) -> OidcConfig | None:
        """The provider's settings; None when no issuer is configured."""
        if not self.oidc_issuer:
            return None
        return OidcConfig(
            issuer=self.oidc_issuer,
            audience=self.oidc_audience,
            jwks_url=self.oidc_jwks_url,
            roles_claims=tuple(p.strip() for p in self.oidc_roles_claim.split(",") if p.strip()),
            academy_claim=self.oidc_academy_claim,
        )

    def token_verifier(self) -> JwksVerifier | None:
        """This process's verifier of the provider's tokens (one, so one key cache)."""
        config = self.oidc()
        if config is not None and self._verifier is None:
            self._verifier = JwksVerifier(config)
        return self._verifier

    @property
    def ops_token_accepted(self) -> bool:
        """The shared ops token is for development and tests; production refuses it."""
        return self.environment != "production" and self.static_tokens_accepted

    @property
    def static_tokens_accepted(self) -> bool:
        """Static per-caller tokens (ops, gateway, CLI, the gateway's extra ops tokens): not in
        production with a provider, where people sign in and machines carry the provider's
        client-credentials tokens (docs/adr/0021). Production without a provider keeps the
        machines' static tokens (docs/adr/0010)."""
        return not (self.environment == "production" and self.oidc_issuer)

    def named_secrets(self) -> list[tuple[str, str]]:
        """Every secret of these settings with the name of its setting, for `check_secrets`;
        a service with more secrets adds them. Static tokens no door accepts are not asked
        for (production with a provider)."""
        if not self.static_tokens_accepted:
            return []
        return [
            ("STEM_OPS_TOKEN", self.ops_token.get_secret_value()),
            ("STEM_GATEWAY_TOKEN", self.gateway_token.get_secret_value()),
            ("STEM_CLI_TOKEN", self.cli_token.get_secret_value()),
        ]

    def sqlite_url(self, service: str) -> str:
        """The embedded default: one SQLite file per service under `data_dir`."""
        return f"sqlite+aiosqlite:///{self.data_dir}/{service}.db"


# Kafka's default offsets.retention.minutes: the longest a redelivery can come after an
# event was handled, short of an operator resetting a group's offsets (stemkit.eventing.retention).
REDELIVERY_WINDOW = timedelta(days=7)


class DatabaseServiceSettings(ServiceSettings):
    """The settings of a service with its own database and an API behind the gateway
    (registry, activities, subsidy; the gateway has neither)."""

    caller_scopes: dict[str, list[str]] = Field(
        default_factory=lambda: {"gateway": [READ, OPS], "cli": [READ, OPS]},
        description="Scopes of the gateway's and the stem CLI's tokens, JSON: {\"gateway\": "
        '["read", "ops"], "cli": ["read", "ops"]}; scopes: read, ops, write; the ops token has all',
    )

    @field_validator("caller_scopes")
    @classmethod
    def _known_callers_and_scopes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for caller, scopes in value.items():
            if caller not in {"gateway", "cli"}:
                raise ValueError(f"unknown caller {caller!r}: gateway or cli (ops has every scope)")
            if unknown := set(scopes) - ALL_SCOPES:
                raise ValueError(f"unknown scopes {sorted(unknown)}: {sorted(ALL_SCOPES)}")
        return value

    def doorkeeper(self) -> Doorkeeper:
        """The callers this service admits: the provider's access tokens (by their roles)
        when an issuer is configured; ops with every scope (not in production), the gateway
        and the CLI with theirs (a caller left out of `caller_scopes` is refused); no static
        token at all in production with a provider."""
        callers: dict[str, tuple[SecretStr, frozenset[str]]] = {}
        if not self.static_tokens_accepted:  # production with a provider: its tokens only
            return Doorkeeper(callers, self.token_verifier())
        if self.ops_token_accepted:
            callers["ops"] = (self.ops_token, ALL_SCOPES)
        for name, token in (("gateway", self.gateway_token), ("cli", self.cli_token)):
            if name in self.caller_scopes:
                callers[name] = (token, frozenset(self.caller_scopes[name]))
        return Doorkeeper(callers, self.token_verifier())

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql:// gets asyncpg); default: SQLite under "
        "STEM_DATA_DIR",
    )
    database_statement_timeout: float = Field(
        default=4.0,
        ge=0,
        description="Seconds PostgreSQL lets one statement run before cancelling it (0: no "
        "limit); below the gateway's GATEWAY_UPSTREAM_TIMEOUT (5 s). SQLite: not applied",
    )
    outbox_retention_days: float = Field(
        default=30,
        ge=0,
        description="Sent outbox rows are purged this many days after sending (0: kept for "
        "ever); longer than the redelivery window (stemkit.eventing.retention)",
    )
    inbox_retention_days: float = Field(
        default=30,
        ge=0,
        description="Inbox rows are purged this many days after handling (0: kept for ever); "
        "longer than the redelivery window, 7 days (stemkit.eventing.retention)",
    )
    retention_interval_seconds: float = Field(
        default=3600, gt=0, description="Seconds between the relay's outbox and inbox purges"
    )

    @model_validator(mode="after")
    def _retention_outlives_redelivery(self) -> DatabaseServiceSettings:
        kept = (("OUTBOX", self.outbox_retention_days), ("INBOX", self.inbox_retention_days))
        for name, days in kept:
            if days and timedelta(days=days) <= REDELIVERY_WINDOW:
                raise ValueError(
                    f"<SERVICE>_{name}_RETENTION_DAYS {days:g} is within the redelivery window "
                    f"({REDELIVERY_WINDOW.days} days): an event handed over again would be "
                    "taken for new; choose more days, or 0 to keep rows for ever"
                )
        return self

    def retentions(self) -> dict[str, timedelta | None]:
        """How long sent outbox rows and inbox rows are kept; None: for ever."""
        return {
            "outbox": timedelta(days=self.outbox_retention_days) or None,
            "inbox": timedelta(days=self.inbox_retention_days) or None,
        }

    def database_url_for(self, service: str) -> str:
        """`<SERVICE>_DATABASE_URL` when set, else the embedded SQLite file of `service`.
        `stemkit.storage.db.prepare_url` makes it ready to open."""
        return self.database_url or self.sqlite_url(service)
