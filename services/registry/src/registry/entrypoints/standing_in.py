"""When the registry lets the gateway's own credential write for a signed-in person it
names (its /ops pages, docs/adr/0021): the gateway names the person (`X-Stem-Actor-*`,
recorded as the actor) and their roles (`X-Stem-Actor-Roles`), and the registry checks
those roles grant the route's scopes, as it would check the person's own token. A bug in
a gateway page that forgot its role check then still cannot write for a viewer."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.requests import HTTPConnection

from stemkit.access.actor import ROLES_HEADER, SUBJECT_HEADER, is_gateway
from stemkit.access.auth import StandIn
from stemkit.access.identity import ROLE_SCOPES, Principal


def gateway_naming_one_who_may(*scopes: str) -> StandIn:
    """A stand-in test (`Doorkeeper.or_standing_in`): the gateway, naming a person whose
    roles grant every one of `scopes`."""
    wanted = frozenset(scopes)

    def accepts(principal: Principal, request: HTTPConnection) -> bool:
        if not (is_gateway(principal) and request.headers.get(SUBJECT_HEADER)):
            return False
        named = request.headers.get(ROLES_HEADER, "")
        granted: set[str] = set()
        for role in unquote(named).split(","):
            granted |= ROLE_SCOPES.get(role.strip(), frozenset())
        return wanted <= granted

    return accepts
