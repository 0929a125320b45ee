"""Who an OpenID Connect access token stands for, read from its (verified) claims: the
provider's roles at configurable dot paths, of which only the platform's count, and a
coordinator's academy (docs/adr/0019)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stemkit.access.identity import ROLES, Principal


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The value at a dot path (`realm_access.roles`); None when any step is missing."""
    found: Any = claims
    for step in path.split("."):
        if not isinstance(found, dict):
            return None
        found = found.get(step)
    return found


def roles_in(claims: dict[str, Any], paths: Iterable[str]) -> frozenset[str]:
    """The platform's roles found at the claim paths; other roles of the provider ignored."""
    found: set[str] = set()
    for path in paths:
        value = claim_at(claims, path)
        if isinstance(value, list):
            found |= {role for role in value if isinstance(role, str)}
        elif isinstance(value, str):  # some providers put a space separated string
            found |= set(value.split())
    return frozenset(found & ROLES)


def principal_from_claims(
    claims: dict[str, Any], *, roles_claims: Iterable[str], academy_claim: str
) -> Principal:
    """The person or machine a verified token stands for: subject, name, the platform's
    roles at `roles_claims` (dot paths) and a coordinator's academy at `academy_claim`."""
    academy = claim_at(claims, academy_claim)
    if isinstance(academy, list):  # a user attribute may come as a one-element list
        academy = academy[0] if len(academy) == 1 else None
    name = claims.get("preferred_username") or claims.get("name") or claims.get("azp")
    return Principal(
        subject=str(claims["sub"]),
        name=str(name or claims["sub"]),
        roles=roles_in(claims, roles_claims),
        academy_id=str(academy) if isinstance(academy, str) and academy else None,
        via="oidc",
    )
