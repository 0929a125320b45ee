"""The registry's academy change, participant report and recognition decision with the real
provider's tokens (issue 21, docs/adr/0021 addendum): the gateway's client-credentials token
writes only naming a person whose roles (`X-Stem-Actor-Roles`) allow the write, who is then
the actor; naming a viewer, the other role, or anyone by the CLI's service account, is 403."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from stemkit.access.actor import NAME_HEADER, ROLES_HEADER, SUBJECT_HEADER, VIA_HEADER
from stemkit.access.oidc_client import ClientCredentials
from tests.identity.test_gateway_stands_in_for_editors import CLI_SECRET
from tests.identity.test_keycloak_roles import (
    GATEWAY_SECRET,
    LEUVEN,
    bearer,
    issuer,  # noqa: F401 (a fixture)
    person_token,
    registry,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.timeout(180)


def person(roles: str) -> dict[str, str]:
    return {SUBJECT_HEADER: "sub-p", NAME_HEADER: "P", VIA_HEADER: "oidc", ROLES_HEADER: roles}


WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("editor", "PATCH", "", {"website": "https://leuven.example.org/"}),
    ("editor", "POST", "/participant-reports", {"year": 2022, "participants": 5}),
    ("decider", "POST", "/recognition", {}),  # the body: a step allowed now, asked below
]


@pytest.mark.parametrize(("role", "method", "path", "body"), WRITES)
async def test_the_gateway_writes_for_the_role_it_names(
    issuer: str,  # noqa: F811
    registry: httpx.AsyncClient,  # noqa: F811
    role: str,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    gateway = await ClientCredentials(issuer, "stem-gateway", GATEWAY_SECRET).token()
    cli = await ClientCredentials(issuer, "stem-cli", CLI_SECRET).token()
    if path == "/recognition":
        now = await registry.get(f"/academies/{LEUVEN}/recognition", headers=bearer(gateway))
        allowed = now.json()["allowed_next"]
        body = {"status": allowed[0], "decided_on": "2025-03-04", "reason": "identity test"}
    url = f"/academies/{LEUVEN}{path}"
    other = "decider" if role == "editor" else "editor"
    for refused in (
        bearer(gateway) | person("viewer"),
        bearer(gateway) | person(other),
        bearer(gateway) | {k: v for k, v in person(role).items() if k != ROLES_HEADER},
        bearer(cli) | person(role),
    ):
        answer = await registry.request(method, url, json=body, headers=refused)
        assert answer.status_code == 403, answer.text
    done = await registry.request(
        method, url, json=body, headers=bearer(gateway) | person(f"viewer,{role}")
    )
    assert done.status_code in (200, 201), done.text
    viewer = await person_token(issuer, "ops-viewer")
    trail = await registry.get("/audit", params={"academy_id": LEUVEN}, headers=bearer(viewer))
    assert ("sub-p", "gateway/oidc") in {
        (e["actor"]["subject"], e["actor"]["via"]) for e in trail.json()
    }
