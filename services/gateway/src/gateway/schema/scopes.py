"""Ops scopes and the permission that checks them on the internal fields."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from gateway.schema.context import Context

SUBSIDIES = "subsidies"  # subsidies, calculation runs, their diffs, what-if
REVIEWS = "reviews"  # recognition reviews due
PARTICIPANTS = "participants"  # participant reports and their completeness
QUARANTINE = "quarantine"  # quarantined documents and dead letters
REPORT = "report"  # the yearly report (reach, participants, reviews and subsidies together)
ALL_SCOPES = frozenset({SUBSIDIES, REVIEWS, PARTICIPANTS, QUARANTINE, REPORT})


def needs_scope(scope: str) -> type[BasePermission]:
    """A permission class: the caller is ops and holds `scope`."""

    class HasScope(BasePermission):
        message = f"needs an ops token with the {scope!r} scope"

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            context: Context = info.context
            return context.caller.kind == "ops" and scope in context.caller.scopes

    HasScope.__name__ = f"HasScope_{scope}"
    return HasScope
