"""The settings of a service with its own database (registry, activities, subsidy): its
database, the callers it admits, and how long its outbox and inbox rows are kept."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr, field_validator, model_validator

from stemkit.access.auth import ALL_SCOPES, OPS, READ, Doorkeeper
from stemkit.settings import ServiceSettings

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
