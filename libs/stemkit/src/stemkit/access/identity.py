"""Who is asking: a person or a machine, with roles, whoever vouched for them.

A request's `Principal` comes either from an access token of the OpenID Connect provider
(`via="oidc"`: a person signed in, or a machine with client credentials) or, for
development and tests, from one of the static service tokens of docs/adr/0010
(`via="static-token"`: the shared ops token stands for a person with every ops role; the
gateway's and the CLI's tokens for machines with their configured scopes). See
docs/adr/0019-people-roles-oidc.md.

Roles are the provider's (realm roles, or the claim `STEM_OIDC_ROLES_CLAIM` names); each
grants service scopes (`ROLE_SCOPES`), and every route names the scopes it needs:

- viewer: read everything (`read`, `ops`);
- editor: viewer's, plus changes to academies, roles, participant reports (`write`, `edit`);
- decider: viewer's, plus recognition decisions, subsidy parameter overrides and calculation
  runs (`write`, `decide`);
- admin: viewer's, plus partner API keys (`keys`);
- coordinator: no service scope by itself; the academy self-service pages let them see and
  change their own academy (`academy_id`) only.

In a route: `who: Who` (`Annotated[Principal, Depends(current_principal)]`), after the
route's doorkeeper (`stemkit.access.auth.Doorkeeper`), which puts the principal on the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, status
from starlette.requests import HTTPConnection

from stemkit.access.scopes import DECIDE, EDIT, KEYS, OPS, READ, WRITE

VIEWER = "viewer"
EDITOR = "editor"
DECIDER = "decider"
ADMIN = "admin"
COORDINATOR = "coordinator"
ROLES = frozenset({VIEWER, EDITOR, DECIDER, ADMIN, COORDINATOR})
OPS_ROLES = frozenset({VIEWER, EDITOR, DECIDER, ADMIN})  # the agency's staff

ROLE_SCOPES: dict[str, frozenset[str]] = {
    VIEWER: frozenset({READ, OPS}),
    EDITOR: frozenset({READ, OPS, WRITE, EDIT}),
    DECIDER: frozenset({READ, OPS, WRITE, DECIDE}),
    ADMIN: frozenset({READ, OPS, KEYS}),
    COORDINATOR: frozenset(),
}

Via = Literal["oidc", "static-token"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `subject` is stable and unique (the token's `sub`, or
    `static:<caller>`); `name` is for people to read (the username, or the caller's name);
    `granted` are scopes given outright, besides the roles' (the static machine tokens)."""

    subject: str
    name: str
    roles: frozenset[str]
    academy_id: str | None
    via: Via
    granted: frozenset[str] = field(default=frozenset())

    @property
    def scopes(self) -> frozenset[str]:
        """Every service scope this principal holds: its roles' and those granted."""
        found = set(self.granted)
        for role in self.roles:
            found |= ROLE_SCOPES.get(role, frozenset())
        return frozenset(found)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def author(self) -> str:
        """Who did it, for an audit record or a decision's `author`: name and subject."""
        return self.name if self.name == self.subject else f"{self.name} <{self.subject}>"


def static_principal(caller: str, scopes: frozenset[str]) -> Principal:
    """The principal a static service token stands for (development and tests): the ops
    token is a person with every ops role; another caller a machine with its scopes."""
    if caller == "ops":
        return Principal(
            subject="static:ops",
            name="ops (shared token)",
            roles=OPS_ROLES,
            academy_id=None,
            via="static-token",
            granted=scopes,
        )
    return Principal(
        subject=f"static:{caller}",
        name=caller,
        roles=frozenset(),
        academy_id=None,
        via="static-token",
        granted=scopes,
    )


def current_principal(request: HTTPConnection) -> Principal:
    """FastAPI dependency: the principal the route's doorkeeper admitted (401 when a route
    asks for it without a doorkeeper before it: a programming error kept safe)."""
    found = getattr(request.state, "principal", None)
    if not isinstance(found, Principal):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a credential is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


# A route's parameter: `async def decide(..., who: Who)`.
Who = Annotated[Principal, Depends(current_principal)]
