"""The GraphQL schema: types, per-request loaders, root query."""
