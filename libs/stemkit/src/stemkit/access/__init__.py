"""Who may call a service: service credentials, OpenID Connect tokens, identities, scopes."""
