"""The scopes of the services' routes (docs/adr/0010), and the finer write scopes that tell
one role's changes from another's (docs/adr/0019).

A route names every scope it needs; a caller needs them all. `write` is every change;
`edit` and `decide` say whose change it is, so that an editor cannot decide a recognition
and a decider cannot rename an academy.
"""

from __future__ import annotations

READ = "read"  # the data the gateway serves partners (activities, academies, reach, ...)
OPS = "ops"  # internal reads: quarantine, dead letters, lag, reviews due, reports, runs
WRITE = "write"  # changes: imports, academies, recognition, calculation runs, replays
EDIT = "edit"  # an editor's changes: academies, roles, participant reports, profiles
DECIDE = "decide"  # a decider's: recognition decisions, parameter overrides, calculation runs
KEYS = "keys"  # an admin's: partner API keys
ALL_SCOPES = frozenset({READ, OPS, WRITE, EDIT, DECIDE, KEYS})
