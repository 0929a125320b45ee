"""Alembic revisions of the registry database; `registry.bootstrap.migrate` applies them."""
