"""Settings every service shares, read from the environment (pydantic-settings).

Each service subclasses `ServiceSettings` with its own `env_prefix` (e.g. `ACTIVITIES_`), so
`ACTIVITIES_DATABASE_URL` points the activities service at its database; the Kafka address
is shared by all: `KAFKA_BOOTSTRAP_SERVERS`.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
