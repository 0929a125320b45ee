"""The demo users of the development realm (deploy/keycloak/stem-realm.json) and what each
may do (docs/adr/0019, 0020): the table `MAY` is the one place that says it; the end-to-end
test (test_demo_users.py) tries every action as every user and wants exactly this.

An action not in a user's row must be refused: a role that can do more fails the test as
surely as one that can do less.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Literal

import httpx

from tests.e2e.harness import ROOT
from tools.demo.academies import DEMO_ACADEMIES

REALM_FILE = ROOT / "deploy" / "keycloak" / "stem-realm.json"
LEUVEN = "bf21f5c6-1387-56cd-ab9a-01ce5f3ef5c2"  # [DEMO] STEM-academie Leuven Codeert
KEMPEN = "1ca221fa-8e79-5377-97b6-299fda43ae27"  # [DEMO] Robotlab Kempen
NAMES = {a.academy_id: a.name for a in DEMO_ACADEMIES}

VIEWER, EDITOR, DECIDER, ADMIN = "ops-viewer", "ops-editor", "ops-decider", "ops-admin"
COORDINATOR_OF = {LEUVEN: "coordinator-leuven", KEMPEN: "coordinator-kempen"}
STAFF = frozenset({VIEWER, EDITOR, DECIDER, ADMIN})
COORDINATORS = frozenset(COORDINATOR_OF.values())
EVERYONE = STAFF | COORDINATORS

# action -> the demo users who may do it; everyone else is refused.
MAY: dict[str, frozenset[str]] = {
    # GraphQL at the gateway, with the person's own access token.
    "graphql: partner fields (academies)": STAFF,
    "graphql: ops fields (subsidies, reviews, participants, quarantine, audit)": STAFF,
    # The services, with the person's own access token (what the gateway's pages and the
    # CLI reach them with).
    "registry: read academies": STAFF,
    "subsidy: read an academy's reach": STAFF,
    "activities: read the STEM-kalender": STAFF,
    "registry: read reviews due (ops)": STAFF,
    "registry: read an academy's audit trail (ops)": STAFF,
    "activities: read the audit trail (ops)": STAFF,
    # An operational write (`write` alone, docs/adr/0019): an editor's or a decider's.
    "activities: replay quarantined deliveries": frozenset({EDITOR, DECIDER}),
    "registry: register an academy": frozenset({EDITOR}),
    "registry: change an academy": frozenset({EDITOR}),
    "registry: assign an academy's role": frozenset({EDITOR}),
    "registry: report participants": frozenset({EDITOR}),
    "registry: record a municipality's follow-up": frozenset({EDITOR}),
    "registry: confirm an organizer link request": frozenset({EDITOR}),
    "registry: decide a recognition": frozenset({DECIDER}),
    "subsidy: read calculation runs (ops)": STAFF,
    "subsidy: override a parameter": frozenset({DECIDER}),
    "subsidy: run a calculation": frozenset({DECIDER}),
    **{
        f"registry self-service of {NAMES[academy]}: {what}": frozenset({coordinator})
        for academy, coordinator in COORDINATOR_OF.items()
        for what in ("read", "report participants")
    },
    # The browser: Keycloak's own login page, then the gateway's pages.
    "browser: /ops sign-in, dashboards and audit trail": STAFF,
    "browser: /ops confirm an organizer link request": frozenset({EDITOR}),
    "browser: /ops partner keys: make and revoke": frozenset({ADMIN}),
    "browser: /ops change an academy's details": frozenset({EDITOR}),
    "browser: /ops report an academy's participants": frozenset({EDITOR}),
    "browser: /ops record a recognition decision": frozenset({DECIDER}),
    "browser: /academie sign-in, own academy's pages": COORDINATORS,
}

Outcome = Literal["allowed", "refused"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    roles: frozenset[str]
    academy_id: str | None


def realm_users() -> dict[str, DemoUser]:
    """Every person of the realm file (not the clients' service accounts)."""
    found = {}
    for user in json.loads(REALM_FILE.read_text())["users"]:
        if "serviceAccountClientId" in user:
            continue
        password = next(c["value"] for c in user["credentials"] if c["type"] == "password")
        academy = (user.get("attributes") or {}).get("academy_id")
        roles = frozenset(r for r in user["realmRoles"] if not r.startswith("default-roles"))
        found[user["username"]] = DemoUser(
            user["username"], password, roles, academy[0] if academy else None
        )
    return found


def issuer() -> str:
    value = os.environ.get("STEM_TEST_OIDC_ISSUER")
    assert value, "STEM_TEST_OIDC_ISSUER is not set: run with `make test` (it starts Keycloak)"
    return value


class Tokens:
    """People's access tokens from the realm's `stem-tests` client (password grant: the
    development realm's client for automated tests only, docs/adr/0019), renewed a minute
    before they run out."""

    def __init__(self, users: dict[str, DemoUser]) -> None:
        self.users = users
        self._kept: dict[str, tuple[str, float]] = {}

    async def of(self, username: str) -> str:
        kept = self._kept.get(username)
        if kept and kept[1] > time.monotonic():
            return kept[0]
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.post(
                f"{issuer()}/protocol/openid-connect/token",
                data={
                    "grant_type": "password",
                    "client_id": "stem-tests",
                    "username": username,
                    "password": self.users[username].password,
                    "scope": "openid",
                },
            )
        assert answer.status_code == 200, answer.text
        token, lifetime = answer.json()["access_token"], answer.json()["expires_in"]
        self._kept[username] = (token, time.monotonic() + lifetime - 60)
        return str(token)


def outcome_of(answer: httpx.Response, what: str) -> Outcome:
    """A service's or the gateway's answer: done (2xx) or refused at the door (401/403);
    anything else is neither, and fails the test with its text."""
    if answer.is_success:
        return "allowed"
    if answer.status_code in (401, 403):
        return "refused"
    raise AssertionError(f"{what}: {answer.status_code} {answer.text[:300]}")
