"""Database plumbing: engines, migrations, a service's database, transaction-scoped memos."""
