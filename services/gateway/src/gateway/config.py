"""Settings of the gateway, from `GATEWAY_*` environment variables. No database: stateless."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from stemkit.settings import ServiceSettings

SERVICE = "gateway"

# Development default, printed by `make run`; refused in production.
DEV_PARTNER_KEY = "dev-partner-key"


class Settings(ServiceSettings):
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
        description="Partner API keys (X-API-Key), comma separated",
    )

    @field_validator("partner_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @model_validator(mode="after")
    def _no_dev_key_in_production(self) -> Settings:
        keys = {key.get_secret_value() for key in self.partner_api_keys}
        if self.environment == "production" and DEV_PARTNER_KEY in keys:
            raise ValueError("GATEWAY_PARTNER_API_KEYS must not hold the development key")
        return self

    @property
    def graphiql(self) -> bool:
        """The GraphiQL playground is a development aid only."""
        return self.environment == "development"
