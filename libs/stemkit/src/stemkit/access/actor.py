"""Who made a change, as authenticated (issue 21, docs/adr/0020).

The actor comes from the credential, never from the request body (`actor_from`): the
`Principal` the service's doorkeeper admitted (a person's access token from the identity
provider; in development a static token, e.g. `static:ops` for the shared ops token, so the
audit trail says plainly that no person was identified), or, when that principal is the
gateway's own machine credential, the signed-in person the gateway names in the
`X-Stem-Actor-*` headers (sent by no one else: only the gateway's credential makes them count).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request, Security

from stemkit.access.auth import Doorkeeper
from stemkit.access.identity import COORDINATOR, Principal, current_principal

# Headers the gateway sets when it writes for a signed-in person (percent-encoded UTF-8).
SUBJECT_HEADER = "X-Stem-Actor-Subject"
NAME_HEADER = "X-Stem-Actor-Name"
VIA_HEADER = "X-Stem-Actor-Via"
# The named person's roles, comma-separated: a service checks them for the writes it lets
# the gateway make for a person (registry entrypoints/standing_in.py, docs/adr/0021).
ROLES_HEADER = "X-Stem-Actor-Roles"
# The gateway's machine credential: the static token's caller, or its client-credentials
# service account at the provider.
GATEWAY_NAMES = frozenset({"gateway", "service-account-stem-gateway"})


@dataclass(frozen=True)
class Actor:
    """Who made a change, as authenticated."""

    subject: str
    via: str
    name: str | None = None

    def headers(self) -> dict[str, str]:
        """The headers the gateway sends to say it acts for this person."""
        found = {SUBJECT_HEADER: quote(self.subject), VIA_HEADER: quote(self.via)}
        if self.name:
            found[NAME_HEADER] = quote(self.name)
        return found


def author_of(actor: Actor) -> str:
    """A change's `author` as a service records it: the authenticated person, by name and
    subject (the subject alone when there is no other name), at most 200 characters."""
    if actor.name and actor.name != actor.subject:
        return f"{actor.name} <{actor.subject}>"[:200]
    return actor.subject[:200]


def is_gateway(principal: Principal) -> bool:
    """The gateway's own machine credential (its static token, or its service account)."""
    return principal.name in GATEWAY_NAMES and COORDINATOR not in principal.roles


def actor_from(principal: Principal, headers: Mapping[str, str]) -> Actor:
    """The actor of a request its doorkeeper admitted as `principal`: the principal itself,
    or, when the principal is the gateway's own machine credential, the person the gateway
    names in the `X-Stem-Actor-*` headers (anyone else sending them is not believed)."""
    subject = headers.get(SUBJECT_HEADER.lower()) or headers.get(SUBJECT_HEADER)
    if is_gateway(principal) and subject:
        name = headers.get(NAME_HEADER.lower()) or headers.get(NAME_HEADER)
        via = headers.get(VIA_HEADER.lower()) or headers.get(VIA_HEADER) or "unknown"
        return Actor(
            subject=unquote(subject)[:200],
            via=f"gateway/{unquote(via)[:24]}",
            name=unquote(name)[:200] if name else None,
        )
    return Actor(subject=principal.subject, via=principal.via, name=principal.name or None)


def actor_dependency(doorkeeper: Doorkeeper) -> Callable[..., Awaitable[Actor]]:
    """A FastAPI dependency: the actor of the request (its credential checked again; the
    route's own scope check stays where it is)."""

    async def actor(request: Request, _admitted: Any = Security(doorkeeper)) -> Actor:  # noqa: B008
        return actor_from(current_principal(request), request.headers)

    return actor


def request_actor(request: Request) -> Actor:
    """A FastAPI dependency for a route behind a router whose doorkeeper already admitted the
    request: its actor (401 when no doorkeeper ran, `current_principal`)."""
    return actor_from(current_principal(request), request.headers)
