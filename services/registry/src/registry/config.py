"""The registry's settings, read from `REGISTRY_*` environment variables (and the shared ones)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from stemkit.settings import ServiceSettings

SERVICE = "registry"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: SQLite file registry.db under STEM_DATA_DIR",
    )
    host: str = Field(default="127.0.0.1", description="HTTP API bind address")
    port: int = Field(default=8001, description="HTTP API port")
    relay_metrics_port: int = Field(
        default=9101, description="Port of the outbox relay's Prometheus /metrics"
    )

    def db_url(self) -> str:
        url = self.database_url or self.sqlite_url(SERVICE)
        # A plain PostgreSQL DSN (as psql and most tools write it) gets the async driver.
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+asyncpg://" + url.removeprefix(plain)
        return url
