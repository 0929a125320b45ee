"""The registry's settings, read from `REGISTRY_*` environment variables (and the shared ones)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from stemkit.database_settings import DatabaseServiceSettings

SERVICE = "registry"


class Settings(DatabaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    relay_metrics_port: int = Field(
        default=9101, description="Port of the outbox relay's Prometheus /metrics"
    )
