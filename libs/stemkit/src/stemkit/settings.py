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

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stemkit.auth import ALL_SCOPES, OPS, READ, Doorkeeper

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

    @model_validator(mode="after")
    def _real_secrets(self) -> ServiceSettings:
        if not self.ops_token.get_secret_value().strip():
            raise ValueError("STEM_OPS_TOKEN must not be empty")
        check_secrets(self.environment, self.named_secrets())
        return self

    def named_secrets(self) -> list[tuple[str, str]]:
        """Every secret of these settings with the name of its setting, for `check_secrets`;
        a service with more secrets adds them."""
        return [
            ("STEM_OPS_TOKEN", self.ops_token.get_secret_value()),
            ("STEM_GATEWAY_TOKEN", self.gateway_token.get_secret_value()),
            ("STEM_CLI_TOKEN", self.cli_token.get_secret_value()),
        ]

    def sqlite_url(self, service: str) -> str:
        """The embedded default: one SQLite file per service under `data_dir`."""
        return f"sqlite+aiosqlite:///{self.data_dir}/{service}.db"


# Kafka's default offsets.retention.minutes: the longest a redelivery can come after an
# event was handled, short of an operator resetting a group's offsets (stemkit.retention).
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
        """The callers this service admits: ops with every scope, the gateway and the CLI with
        theirs (a caller left out of `caller_scopes` is refused)."""
        callers: dict[str, tuple[SecretStr, frozenset[str]]] = {"ops": (self.ops_token, ALL_SCOPES)}
        for name, token in (("gateway", self.gateway_token), ("cli", self.cli_token)):
            if name in self.caller_scopes:
                callers[name] = (token, frozenset(self.caller_scopes[name]))
        return Doorkeeper(callers)

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
        "ever); longer than the redelivery window (stemkit.retention)",
    )
    inbox_retention_days: float = Field(
        default=30,
        ge=0,
        description="Inbox rows are purged this many days after handling (0: kept for ever); "
        "longer than the redelivery window, 7 days (stemkit.retention)",
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
        `stemkit.db.prepare_url` makes it ready to open."""
        return self.database_url or self.sqlite_url(service)
