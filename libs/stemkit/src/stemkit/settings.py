"""Settings every service shares, read from the environment (pydantic-settings).

Each service subclasses `ServiceSettings` (`DatabaseServiceSettings` when it has a database)
with its own `env_prefix` (e.g. `ACTIVITIES_`), so `ACTIVITIES_DATABASE_URL` points the
activities service at its database; the Kafka address is shared by all:
`KAFKA_BOOTSTRAP_SERVERS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stemkit.retention import REDELIVERY_WINDOW

# Development defaults, printed by `make run`. Refused outside development.
DEV_OPS_TOKEN = "dev-ops-token"


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
        description="Bearer token for ops writes (Authorization: Bearer ...)",
    )

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> ServiceSettings:
        if self.environment == "production" and self.ops_token.get_secret_value() == DEV_OPS_TOKEN:
            raise ValueError("STEM_OPS_TOKEN must be set to a real secret in production")
        return self

    def sqlite_url(self, service: str) -> str:
        """The embedded default: one SQLite file per service under `data_dir`."""
        return f"sqlite+aiosqlite:///{self.data_dir}/{service}.db"


class DatabaseServiceSettings(ServiceSettings):
    """The settings of a service with its own database (the gateway has none)."""

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
