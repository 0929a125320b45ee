from stemkit.storage.migrations import run_migrations
from subsidy.adapters.orm import metadata

run_migrations(metadata)
