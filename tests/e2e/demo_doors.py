"""How each action of the table (tests/e2e/demo_users.py `MAY`) is tried through GraphQL at
the gateway and at the services, with a person's own access token: one probe per action,
each answering whether the door let the person through ("allowed": done) or not
("refused"). Anything else (a 409, a 500, a GraphQL error that is no refusal) fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.demo_users import COORDINATOR_OF, LEUVEN, NAMES, Outcome, Tokens, outcome_of
from tests.e2e.harness import Platform

OPS_FIELDS = """{
  subsidies(year: 2024) { academyId paidEur }
  recognitionReviewsDue(before: "2030-01-01") { academyId status }
  participantReports(academyId: "LEUVEN") { year participants }
  quarantine(first: 1) { total }
  calculationRuns { id }
  auditTrail(academyId: "LEUVEN") { actor { name } action }
}""".replace("LEUVEN", LEUVEN)
PARTNER_FIELDS = "{ academies(first: 20) { nodes { id name } } }"


@dataclass
class Doors:
    platform: Platform
    tokens: Tokens
    client: httpx.AsyncClient
    # A pending organizer link request of Leuven per user, for that user to try to confirm.
    link_requests: dict[str, str] = field(default_factory=dict)

    async def call(self, user: str, service: str, method: str, path: str, **kw: Any) -> Outcome:
        bearer = {"Authorization": f"Bearer {await self.tokens.of(user)}"}
        url = f"{self.platform.url(service)}{path}"
        answer = await self.client.request(method, url, headers=bearer, **kw)
        return outcome_of(answer, f"{user} {method} {service}{path}")

    async def graphql(self, user: str, query: str) -> Outcome:
        bearer = {"Authorization": f"Bearer {await self.tokens.of(user)}"}
        url = f"{self.platform.url('gateway')}/graphql"
        answer = await self.client.post(url, json={"query": query}, headers=bearer)
        if answer.status_code != 200:
            return outcome_of(answer, f"{user} GraphQL")
        body = answer.json()
        errors = body.get("errors") or []
        if not errors and body.get("data"):
            return "allowed"  # a field may be null: nothing there yet (no run of the year)
        if errors and all("scope" in e.get("message", "") for e in errors):
            return "refused"
        raise AssertionError(f"{user} GraphQL: {body}")

    async def ask_links(self, users: list[str]) -> None:
        """As Leuven's coordinator, one organizer link request per user (pending)."""
        coordinator = COORDINATOR_OF[LEUVEN]
        for user in users:
            organizer = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-users/{user}/{uuid.uuid4()}"))
            path = f"/self-service/academies/{LEUVEN}/organizer-link-requests"
            bearer = {"Authorization": f"Bearer {await self.tokens.of(coordinator)}"}
            answer = await self.client.post(
                f"{self.platform.url('registry')}{path}",
                json={"organizer_id": organizer},
                headers=bearer,
            )
            assert answer.status_code == 201, answer.text
            self.link_requests[user] = answer.json()["request_id"]


Probe = Callable[[Doors, str], Awaitable[Outcome]]


def _self_service(academy: str, what: str) -> Probe:
    path = f"/self-service/academies/{academy}"

    async def probe(doors: Doors, user: str) -> Outcome:
        if what == "read":
            return await doors.call(user, "registry", "GET", path)
        report = {"year": 2024, "participants": 30, "under_14": 20, "from_14": 10}
        return await doors.call(
            user, "registry", "POST", f"{path}/participant-reports", json=report
        )

    return probe


def _academy(user: str) -> dict[str, Any]:
    return {"demo": True, "name": f"[DEMO] Academy of {user}", "home_nis_code": "24062"}


def _decision() -> dict[str, str]:
    # The demo academies are recognised: a renewal is one of the steps allowed from there.
    return {"status": "renewal_due", "decided_on": "2024-01-15", "reason": "demo dossier"}


def _override() -> dict[str, Any]:
    return {
        "name": "stem/calls/gangmakers_2023/grant_per_academy_eur",
        "value": 5000,
        "effective_from": "2023-01-01",
        "reason": "amount from the call's handleiding",
    }


PROBES: dict[str, Probe] = {
    "graphql: partner fields (academies)": lambda d, u: d.graphql(u, PARTNER_FIELDS),
    "graphql: ops fields (subsidies, reviews, participants, quarantine, audit)": (
        lambda d, u: d.graphql(u, OPS_FIELDS)
    ),
    "registry: read academies": lambda d, u: d.call(u, "registry", "GET", "/academies"),
    "subsidy: read an academy's reach": lambda d, u: d.call(
        u, "subsidy", "GET", "/reach", params={"academy_id": LEUVEN, "year": 2024}
    ),
    "activities: read the STEM-kalender": lambda d, u: d.call(
        u, "activities", "GET", "/activities", params={"limit": 5}
    ),
    "registry: read reviews due (ops)": lambda d, u: d.call(
        u, "registry", "GET", "/recognition/reviews-due", params={"before": "2030-01-01"}
    ),
    "registry: read an academy's audit trail (ops)": lambda d, u: d.call(
        u, "registry", "GET", "/audit", params={"academy_id": LEUVEN}
    ),
    "activities: read the audit trail (ops)": lambda d, u: d.call(u, "activities", "GET", "/audit"),
    "activities: replay quarantined deliveries": lambda d, u: d.call(
        u,
        "activities",
        "POST",
        "/quarantine/replay",
        json={"webhook_ids": [f"none-of-{u}"], "reason": "demo users test"},
    ),
    "registry: register an academy": lambda d, u: d.call(
        u, "registry", "POST", "/academies", json=_academy(u)
    ),
    "registry: change an academy": lambda d, u: d.call(
        u, "registry", "PATCH", f"/academies/{LEUVEN}", json={"website": "https://example.org/"}
    ),
    "registry: assign an academy's role": lambda d, u: d.call(
        u, "registry", "PUT", f"/academies/{LEUVEN}/roles/2024/gangmaker"
    ),
    "registry: report participants": lambda d, u: d.call(
        u,
        "registry",
        "POST",
        f"/academies/{LEUVEN}/participant-reports",
        json={"year": 2023, "participants": 12, "under_14": 8, "from_14": 4},
    ),
    "registry: record a municipality's follow-up": lambda d, u: d.call(
        u,
        "registry",
        "PUT",
        "/municipalities/11002/follow-up/2024",
        json={"reason": "not_investigated", "author": u},
    ),
    "registry: confirm an organizer link request": lambda d, u: d.call(
        u, "registry", "POST", f"/organizer-link-requests/{d.link_requests[u]}/confirm"
    ),
    "registry: decide a recognition": lambda d, u: d.call(
        u, "registry", "POST", f"/academies/{LEUVEN}/recognition", json=_decision()
    ),
    "subsidy: read calculation runs (ops)": lambda d, u: d.call(
        u, "subsidy", "GET", "/calculations"
    ),
    "subsidy: override a parameter": lambda d, u: d.call(
        u, "subsidy", "POST", "/parameters/overrides", json=_override()
    ),
    "subsidy: run a calculation": lambda d, u: d.call(
        u, "subsidy", "POST", "/calculations", json={"year": 2023, "strict": False}
    ),
    **{
        f"registry self-service of {NAMES[academy]}: {what}": _self_service(academy, what)
        for academy in COORDINATOR_OF
        for what in ("read", "report participants")
    },
}
