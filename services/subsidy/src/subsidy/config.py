"""Settings of the subsidy service, from `SUBSIDY_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from stemkit.database_settings import DatabaseServiceSettings

SERVICE = "subsidy"


class Settings(DatabaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUBSIDY_", extra="ignore")

    consumer_group: str = Field(default="subsidy", description="Kafka consumer group")
    dead_letter_topic: str = Field(
        default="stem.subsidy.dlq.v1", description="Where messages that keep failing go"
    )
    consumer_metrics_port: int = Field(default=9113, description="Consumer's /metrics port")
    relay_metrics_port: int = Field(default=9103, description="Relay's /metrics port")
