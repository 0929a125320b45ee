"""Settings every service shares, read from the environment (pydantic-settings).

Each service subclasses `ServiceSettings` (`stemkit.database_settings.DatabaseServiceSettings`
when it has a database; the identity provider's settings: `stemkit.access.oidc_settings`)
with its own `env_prefix` (e.g. `ACTIVITIES_`), so `ACTIVITIES_DATABASE_URL` points the
activities service at its database; the Kafka address is shared by all:
`KAFKA_BOOTSTRAP_SERVERS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from stemkit.access.oidc_settings import OidcSettings

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


class ServiceSettings(OidcSettings):
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
