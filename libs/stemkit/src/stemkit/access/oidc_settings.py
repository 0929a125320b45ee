"""The OpenID Connect provider's settings (docs/adr/0019), shared by every service's
settings (`stemkit.settings.ServiceSettings`): unset, only the static tokens are known."""

from __future__ import annotations

from pydantic import AliasChoices, Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stemkit.access.oidc import JwksVerifier, OidcConfig


class OidcSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    oidc_issuer: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STEM_OIDC_ISSUER", "oidc_issuer"),
        description="Issuer URL of the OpenID Connect provider whose access tokens are "
        "accepted (its /.well-known/openid-configuration names the JWKS)",
    )
    oidc_audience: str = Field(
        default="stem-platform",
        validation_alias=AliasChoices("STEM_OIDC_AUDIENCE", "oidc_audience"),
        description="The audience (`aud`) an access token must name",
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STEM_OIDC_JWKS_URL", "oidc_jwks_url"),
        description="The provider's JWKS, when not the one its discovery document names",
    )
    oidc_roles_claim: str = Field(
        default="realm_access.roles",
        validation_alias=AliasChoices("STEM_OIDC_ROLES_CLAIM", "oidc_roles_claim"),
        description="Dot paths (comma separated) of the token claims holding the roles, e.g. "
        "`realm_access.roles` or `resource_access.stem-platform.roles`",
    )
    oidc_academy_claim: str = Field(
        default="academy_id",
        validation_alias=AliasChoices("STEM_OIDC_ACADEMY_CLAIM", "oidc_academy_claim"),
        description="The claim naming a coordinator's academy",
    )
    _verifier: JwksVerifier | None = PrivateAttr(default=None)

    @field_validator("oidc_issuer", "oidc_jwks_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def oidc(self) -> OidcConfig | None:
        """The provider's settings; None when no issuer is configured."""
        if not self.oidc_issuer:
            return None
        return OidcConfig(
            issuer=self.oidc_issuer,
            audience=self.oidc_audience,
            jwks_url=self.oidc_jwks_url,
            roles_claims=tuple(p.strip() for p in self.oidc_roles_claim.split(",") if p.strip()),
            academy_claim=self.oidc_academy_claim,
        )

    def token_verifier(self) -> JwksVerifier | None:
        """This process's verifier of the provider's tokens (one, so one key cache)."""
        config = self.oidc()
        if config is not None and self._verifier is None:
            self._verifier = JwksVerifier(config)
        return self._verifier
