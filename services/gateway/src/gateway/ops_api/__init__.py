"""The ops part of the GraphQL API: fields for VLAIO staff, each behind a scope
(`gateway.schema.scopes`), over the services' ops reads."""
