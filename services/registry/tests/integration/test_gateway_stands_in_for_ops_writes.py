"""The gateway's /ops pages change an academy, report its participants and record a
recognition decision for the signed-in person (issue 21, docs/adr/0021): the registry admits
the gateway's own credential for these writes only when it names a person whose roles
(`X-Stem-Actor-Roles`) grant the route's scopes, and records that person as the actor.
The gateway naming a viewer, an editor for a decision or a decider for an academy change,
or naming no one, is refused; so is anyone else naming a person."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from registry.bootstrap import MIGRATIONS
from registry.config import Settings
from registry.entrypoints.api import create_app, database_of
from stemkit.access.actor import NAME_HEADER, ROLES_HEADER, SUBJECT_HEADER, VIA_HEADER
from stemkit.storage.migrations import upgrade_to_head

OPS_TOKEN = "registry-stand-in-writes-ops-token-012345"
GATEWAY_TOKEN = "registry-stand-in-writes-gateway-token-0"
CLI_TOKEN = "registry-stand-in-writes-cli-token-012345"
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
GATEWAY = {"Authorization": f"Bearer {GATEWAY_TOKEN}"}
CLI = {"Authorization": f"Bearer {CLI_TOKEN}"}


def person(subject: str, *roles: str) -> dict[str, str]:
    return {
        SUBJECT_HEADER: subject,
        NAME_HEADER: subject.title(),
        VIA_HEADER: "oidc",
        ROLES_HEADER: ",".join(roles),
    }


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
    await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
    settings = Settings(
        database_url=url,
        ops_token=SecretStr(OPS_TOKEN),
        gateway_token=SecretStr(GATEWAY_TOKEN),
        cli_token=SecretStr(CLI_TOKEN),
        caller_scopes={"gateway": ["read", "ops"], "cli": ["read", "ops"]},
        environment="test",
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry"
    ) as http:
        yield http
    await database_of(app).dispose()


WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (role that may, method, path under the academy, body)
    ("editor", "PATCH", "", {"website": "https://codeclub.example"}),
    ("editor", "POST", "/participant-reports", {"year": 2025, "participants": 12}),
    (
        "decider",
        "POST",
        "/recognition",
        {"status": "requested", "decided_on": "2025-01-10", "reason": "dossier in"},
    ),
]


@pytest.mark.parametrize(("role", "method", "path", "body"), WRITES)
async def test_the_gateway_writes_only_for_a_person_whose_role_allows_it(
    api: httpx.AsyncClient, role: str, method: str, path: str, body: dict[str, Any]
) -> None:
    created = await api.post("/academies", json={"name": f"Codeclub {role}"}, headers=OPS)
    academy = created.json()["id"]
    url = f"/academies/{academy}{path}"
    other = "decider" if role == "editor" else "editor"
    for refused in (
        GATEWAY,  # names no one
        GATEWAY | person("sub-viewer", "viewer"),
        GATEWAY | person("sub-other", other),
        GATEWAY | {k: v for k, v in person("sub-roleless", role).items() if k != ROLES_HEADER},
        CLI | person("sub-cli", role),  # only the gateway may name people
    ):
        answer = await api.request(method, url, json=body, headers=refused)
        assert answer.status_code == 403, (refused, answer.text)

    done = await api.request(
        method,
        url,
        json=body,
        params={"reason": "asked by phone"},
        headers=GATEWAY | person("sub-ok", "viewer", role),
    )
    assert done.status_code in {200, 201}, done.text
    trail = (await api.get("/audit", params={"academy_id": academy}, headers=OPS)).json()
    actors = [(e["actor"]["subject"], e["actor"]["via"]) for e in trail]
    assert ("sub-ok", "gateway/oidc") in actors
    assert not any(subject.startswith("sub-") and subject != "sub-ok" for subject, _ in actors)
    if path == "/recognition":
        assert done.json()["author"] == "Sub-Ok <sub-ok>"
