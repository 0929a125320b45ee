"""The gateway's clients of the OpenID Connect provider (docs/adr/0019): the ops pages'
sign-in (authorization code + PKCE, a confidential client), the academy pages' sign-in
(the same flow, a public client by default), and the machine credentials of the gateway
and of the `stem` CLI (client credentials). Each is used only when the provider is
configured (`STEM_OIDC_ISSUER`) and the client's id and (but for the academy pages' public
client) its secret are set."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr

from stemkit.access.oidc_client import ClientCredentials
from stemkit.settings import ServiceSettings


class OidcClients(ServiceSettings):
    oidc_client_id: str | None = Field(
        default=None,
        description="The gateway's client (client credentials) at the provider: its access "
        "tokens replace STEM_GATEWAY_TOKEN towards the services",
    )
    oidc_client_secret: SecretStr = Field(
        default=SecretStr(""), description="The secret of GATEWAY_OIDC_CLIENT_ID"
    )
    ops_oidc_client_id: str = Field(
        default="stem-ops",
        description="The ops pages' client at the provider (authorization code + PKCE)",
    )
    ops_oidc_client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="The secret of the ops pages' client; set, /ops signs in with the provider",
    )
    academy_oidc_client_id: str = Field(
        default="stem-coordinator",
        description="The academy self-service pages' client at the provider (authorization "
        "code + PKCE); empty: /academie offers no sign-in at the provider",
    )
    academy_oidc_client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="The secret of the academy pages' client, if it is confidential; unset: "
        "a public client (PKCE alone)",
    )
    public_url: str | None = Field(
        default=None,
        description="The gateway's address as browsers see it (the sign-in callback is "
        "<it>/ops/auth/callback, <it>/academie/auth/callback); unset: taken from each request",
    )
    cli_oidc_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STEM_CLI_OIDC_CLIENT_ID", "cli_oidc_client_id"),
        description="The stem CLI's client (client credentials) at the provider: its access "
        "tokens replace STEM_CLI_TOKEN",
    )
    cli_oidc_client_secret: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("STEM_CLI_OIDC_CLIENT_SECRET", "cli_oidc_client_secret"),
        description="The secret of STEM_CLI_OIDC_CLIENT_ID",
    )

    def named_secrets(self) -> list[tuple[str, str]]:
        given = [
            ("GATEWAY_OIDC_CLIENT_SECRET", self.oidc_client_secret.get_secret_value()),
            ("GATEWAY_OPS_OIDC_CLIENT_SECRET", self.ops_oidc_client_secret.get_secret_value()),
            (
                "GATEWAY_ACADEMY_OIDC_CLIENT_SECRET",
                self.academy_oidc_client_secret.get_secret_value(),
            ),
            ("STEM_CLI_OIDC_CLIENT_SECRET", self.cli_oidc_client_secret.get_secret_value()),
        ]
        return [*super().named_secrets(), *((name, value) for name, value in given if value)]

    @property
    def ops_sign_in_by_provider(self) -> bool:
        return bool(self.oidc_issuer and self.ops_oidc_secret)

    @property
    def ops_oidc_secret(self) -> str:
        return self.ops_oidc_client_secret.get_secret_value()

    def machine_credentials(self, *, cli: bool = False) -> ClientCredentials | None:
        """The gateway's (or the CLI's) client credentials; None: the static token."""
        client_id = self.cli_oidc_client_id if cli else self.oidc_client_id
        secret = self.cli_oidc_client_secret if cli else self.oidc_client_secret
        given = secret.get_secret_value()
        if not (self.oidc_issuer and client_id and given):
            return None
        return ClientCredentials(self.oidc_issuer, client_id, given)
