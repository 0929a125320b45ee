"""Who may call a service: service credentials, OpenID Connect tokens, identities, scopes, and
who made a change (the audit trail's actor)."""
