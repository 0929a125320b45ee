"""Settings of the activities service, from `ACTIVITIES_*` environment variables."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from activities.domain.limits import MAX_LABEL_CHARS
from stemkit.database_settings import DatabaseServiceSettings

SERVICE = "activities"

# Development default, printed by `make run` and used by `tools/send_webhook.py`.
# Production refuses it: anyone who reads this file could sign deliveries.
DEV_WEBHOOK_SECRET = "whsec_c3RlbS1wbGF0Zm9ybS1kZXYtd2ViaG9vay1zZWNyZXQ="

_SECRET_PREFIX = "whsec_"
# Standard Webhooks: symmetric secrets are 24 to 64 random bytes.
_MIN_SECRET_BYTES, _MAX_SECRET_BYTES = 24, 64


def _check_secret(secret: str) -> None:
    if not secret.startswith(_SECRET_PREFIX):
        raise ValueError("each webhook secret must look like whsec_<base64>")
    try:
        key = base64.b64decode(secret.removeprefix(_SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is not valid base64 after whsec_") from None
    if not _MIN_SECRET_BYTES <= len(key) <= _MAX_SECRET_BYTES:
        raise ValueError(
            f"a webhook secret must hold {_MIN_SECRET_BYTES}-{_MAX_SECRET_BYTES} bytes, "
            f"not {len(key)}"
        )


class Settings(DatabaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTIVITIES_", extra="ignore")

    # NoDecode: the env value is a plain comma-separated list, not JSON.
    webhook_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEV_WEBHOOK_SECRET)],
        min_length=1,
        description="Standard Webhooks secrets (whsec_...), comma separated; several at "
        "once during a rotation, a delivery is accepted when any of them verifies",
    )
    webhook_max_body_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Larger webhook bodies are refused (413)"
    )
    delivery_retention_days: float = Field(
        default=30,
        ge=0,
        description="Processed deliveries are purged this many days after processing "
        "(received and quarantined ones never); 0: kept for ever",
    )
    delivery_purge_interval_seconds: float = Field(
        default=3600, gt=0, description="Seconds between purges of processed deliveries"
    )
    stem_labels: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="UiTdatabank labels (labels or hiddenLabels), comma separated, case "
        "insensitive: an activity carrying one is listed on the STEM-kalender even when its "
        "organizer is linked to no academy (reach and subsidy still need an academy); "
        "empty: off",
    )
    relay_metrics_port: int = Field(default=9102, description="Prometheus port of the relay")
    consumer_metrics_port: int = Field(default=9112, description="Prometheus port of the consumer")
    worker_metrics_port: int = Field(
        default=9122, description="Prometheus port of the worker (deliveries, purge, poller)"
    )

    def delivery_retention(self) -> timedelta | None:
        """How long processed deliveries are kept; None: for ever."""
        days = self.delivery_retention_days
        return timedelta(days=days) if days > 0 else None

    @field_validator("stem_labels", mode="before")
    @classmethod
    def _split_labels(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(part).strip().lower() for part in value if str(part).strip()]
        return value

    @field_validator("stem_labels")
    @classmethod
    def _short_labels(cls, value: list[str]) -> list[str]:
        # The reader keeps labels up to this length only (`limits.MAX_LABEL_CHARS`).
        if too_long := [label for label in value if len(label) > MAX_LABEL_CHARS]:
            raise ValueError(f"STEM labels longer than {MAX_LABEL_CHARS} characters: {too_long}")
        return value

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_secrets")
    @classmethod
    def _well_formed(cls, value: list[SecretStr]) -> list[SecretStr]:
        for secret in value:
            _check_secret(secret.get_secret_value())
        return value

    @model_validator(mode="after")
    def _no_dev_webhook_secret_in_production(self) -> Settings:
        if self.environment == "production" and any(
            s.get_secret_value() == DEV_WEBHOOK_SECRET for s in self.webhook_secrets
        ):
            raise ValueError("ACTIVITIES_WEBHOOK_SECRETS must not hold the development secret")
        return self


class UitdatabankSettings(BaseSettings):
    """How this service reads UiTdatabank (`ACTIVITIES_UITDATABANK_*`): the fetch after a
    thin notification and the Search API poller. Documented in services/activities/README.md."""

    model_config = SettingsConfigDict(env_prefix="ACTIVITIES_UITDATABANK_", extra="ignore")

    timeout_seconds: float = Field(default=10.0, gt=0, description="Per call to UiTdatabank")
    client_id: SecretStr | None = Field(default=None, description="X-Client-Id header")
    fetch_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["io.uitdatabank.be", "io-test.uitdatabank.be"],
        description="Hosts a notification's iri may point to, comma separated; others are "
        "quarantined unfetched",
    )
    search_url: str = Field(
        default="https://search.uitdatabank.be", description="Search API v3 base URL"
    )
    poll_interval_seconds: float = Field(
        default=0, ge=0, description="Seconds between Search API polls; 0: the poller is off"
    )
    poll_overlap_seconds: float = Field(
        default=300, ge=0, description="How far before the cursor each poll starts again"
    )
    poll_page_size: int = Field(default=200, gt=0, le=2000, description="Search API `limit`")
    fetch_max_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="A fetched document over this many bytes is quarantined (as large as "
        "ACTIVITIES_WEBHOOK_MAX_BODY_BYTES: a fetched document may be as large as a posted one)",
    )
    search_max_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="A Search API page over this is refused"
    )
    fetch_deadline_seconds: float = Field(
        default=10.0, gt=0, description="Whole fetch or search call, retries and redirects included"
    )
    environment: Literal["development", "test", "production"] = Field(
        default="development",
        validation_alias=AliasChoices("STEM_ENV", "environment"),
        description="Outside development and test only https URLs are fetched",
    )

    def allow_http(self) -> bool:
        """Plain http only for the local stand-in (development, tests)."""
        return self.environment in ("development", "test")

    @field_validator("fetch_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def headers(self) -> dict[str, str]:
        client_id = self.client_id
        return {"X-Client-Id": client_id.get_secret_value()} if client_id else {}

    def client_options(self) -> dict[str, Any]:
        """`UitClient`'s bounds and headers from these settings (hosts aside)."""
        return {
            "headers": self.headers(),
            "allow_http": self.allow_http(),
            "max_bytes": self.fetch_max_bytes,
            "search_max_bytes": self.search_max_bytes,
            "deadline": self.fetch_deadline_seconds,
        }
