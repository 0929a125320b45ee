"""The registry's organizer link decisions with the real provider's tokens (issue 21,
docs/adr/0021): the gateway's client-credentials token (its service account, a viewer)
decides only naming a person, who is then the actor; the CLI's service account naming
someone, a decider and a viewer are refused; an editor decides with their own token."""

from __future__ import annotations

import httpx
import pytest

from stemkit.access.actor import NAME_HEADER, ROLES_HEADER, SUBJECT_HEADER, VIA_HEADER
from stemkit.access.oidc_client import ClientCredentials
from tests.identity.test_keycloak_roles import (
    GATEWAY_SECRET,
    LEUVEN,
    bearer,
    issuer,  # noqa: F401 (a fixture)
    person_token,
    registry,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.timeout(180)
CLI_SECRET = "dev-stem-cli-client-secret-for-make-run-and-tests"  # deploy/keycloak/stem-realm.json
PERSON = {SUBJECT_HEADER: "sub-ed", NAME_HEADER: "Ed", VIA_HEADER: "oidc", ROLES_HEADER: "editor"}


async def _ask(api: httpx.AsyncClient, token: str, organizer: str) -> str:
    asked = await api.post(
        f"/self-service/academies/{LEUVEN}/organizer-link-requests",
        json={"organizer_id": organizer},
        headers=bearer(token),
    )
    assert asked.status_code == 201, asked.text
    request_id: str = asked.json()["request_id"]
    return request_id


async def test_only_editors_and_the_gateway_naming_one_decide(
    issuer: str,  # noqa: F811
    registry: httpx.AsyncClient,  # noqa: F811
) -> None:
    coordinator = await person_token(issuer, "coordinator-leuven")
    first = await _ask(registry, coordinator, "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b")
    second = await _ask(registry, coordinator, "2f3e4d5c-6b7a-4899-8b1c-2d3e4f5a6b7c")
    gateway = await ClientCredentials(issuer, "stem-gateway", GATEWAY_SECRET).token()
    cli = await ClientCredentials(issuer, "stem-cli", CLI_SECRET).token()
    viewer, decider, editor = [
        await person_token(issuer, name) for name in ("ops-viewer", "ops-decider", "ops-editor")
    ]
    confirm = f"/organizer-link-requests/{first}/confirm"
    for refused in (
        bearer(gateway),
        bearer(cli) | PERSON,
        bearer(viewer),
        bearer(decider),
        bearer(decider) | PERSON,
    ):
        answer = await registry.post(confirm, headers=refused)
        assert answer.status_code == 403, answer.text

    done = await registry.post(confirm, headers=bearer(gateway) | PERSON)
    assert done.status_code == 200 and done.json()["decided_by"] == "Ed <sub-ed>", done.text
    own = await registry.post(f"/organizer-link-requests/{second}/reject", headers=bearer(editor))
    assert own.status_code == 200 and own.json()["decided_by"].startswith("ops-editor <")
    trail = await registry.get("/audit", params={"academy_id": LEUVEN}, headers=bearer(viewer))
    actors = {e["action"]: e["actor"] for e in trail.json() if e["entity"] == "organizer_link"}
    assert actors["confirmed"]["subject"] == "sub-ed"
    assert actors["confirmed"]["via"] == "gateway/oidc"
    assert actors["rejected"]["name"] == "ops-editor" and actors["rejected"]["via"] == "oidc"
