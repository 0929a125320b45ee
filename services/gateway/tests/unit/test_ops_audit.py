"""The audit trail in ops GraphQL (`auditTrail`) and on /ops/audit (issue 21): of an
academy, or every service's newest changes (the activities service's quarantine replays,
of no academy, too)."""

from __future__ import annotations

import httpx

from gateway.ops_web.audit_page import audit_labels, changes


async def test_the_trail_comes_from_the_services_newest_first(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    query = (
        '{ auditTrail(academyId: "acad-1") '
        "{ service actor { subject name via } entity action before after reason } }"
    )
    answer = await gateway.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {ops_token}"}
    )
    assert answer.status_code == 200, answer.text
    (entry,) = answer.json()["data"]["auditTrail"]
    assert entry["service"] == "registry"
    assert entry["actor"] == {"subject": "sub-an", "name": "An Peeters", "via": "oidc"}
    assert (entry["before"], entry["after"]) == (
        {"website": None},
        {"website": "https://a.example"},
    )
    refused = await gateway.post(
        "/graphql",
        json={"query": '{ auditTrail(academyId: "../x") { id } }'},
        headers={"Authorization": f"Bearer {ops_token}"},
    )
    assert refused.json()["data"] is None or refused.json()["data"]["auditTrail"] is None


async def test_the_ops_page_shows_who_what_and_why(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    assert (await gateway.get("/ops/audit")).status_code == 303  # signed out: to the sign-in
    await gateway.post("/ops/login", data={"token": ops_token})
    chooser = await gateway.get("/ops/audit")
    assert chooser.status_code == 200 and 'name="academy"' in chooser.text
    page = await gateway.get("/ops/audit", params={"academy": "acad-1", "lang": "en"})
    assert page.status_code == 200, page.text[:500]
    assert "An Peeters" in page.text and "sub-an (oidc)" in page.text
    assert "website: null → https://a.example" in page.text
    assert "website moved" in page.text and "An academy&#39;s audit trail" in page.text


async def test_without_an_academy_the_trail_of_every_service_newest_first(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    query = "{ auditTrail { service academyId actor { name via } entity entityId action reason } }"
    answer = await gateway.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {ops_token}"}
    )
    assert answer.status_code == 200, answer.text
    replay, update = answer.json()["data"]["auditTrail"]
    assert replay == {
        "service": "activities",
        "academyId": None,
        "actor": {"name": "Eddy Editor", "via": "oidc"},
        "entity": "quarantine",
        "entityId": "msg_broken",
        "action": "replayed",
        "reason": "UiTdatabank fixed the name",
    }
    assert (update["service"], update["academyId"]) == ("registry", "acad-1")


async def test_the_ops_page_shows_every_services_changes_without_an_academy(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    await gateway.post("/ops/login", data={"token": ops_token})
    page = await gateway.get("/ops/audit", params={"lang": "en"})
    assert page.status_code == 200, page.text[:500]
    assert "Eddy Editor" in page.text and "sub-eddy (oidc)" in page.text
    assert "quarantine replayed" in page.text and "activities: msg_broken" in page.text
    assert "status: quarantined → received" in page.text
    assert "UiTdatabank fixed the name" in page.text
    assert "An Peeters" in page.text and "[DEMO] Academy 1" in page.text  # with its academy


def test_changes_name_each_field_that_differs() -> None:
    assert changes(None, {"a": 1}) == ["a: — → 1"]
    assert changes({"a": 1, "b": "x"}, {"a": 1, "b": "y"}) == ["b: x → y"]
    assert changes({"a": 1}, None) == ["a: 1 → —"]
    for lang in ("nl", "en", "fr"):
        assert set(audit_labels(lang)) == set(audit_labels("nl"))
    assert audit_labels("fr")["audit_who"] == "Qui"
