"""No secret in any log line: the whole platform as real processes (tests/e2e/harness.py, real
Kafka and PostgreSQL), with known secrets, exercised with good and bad credentials, then
every process log scanned for each secret in every form `secret_scan` knows.

The secrets: the password of a PostgreSQL role made for this run (every service's DSN
carries it), the webhook secret, a partner key, the ops token and a scoped ops token.
The scanner itself is tested first, on lines that hold a secret, so a scan that could
never fail does not pass for a clean one.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from stemkit.storage.db import make_engine
from tests.abuse.secret_scan import Leak, forms, scan_files, scan_lines
from tests.e2e.harness import ROOT, SERVICES_WITH_DB, Platform
from tools.send_webhook import signed_headers

ARTIFACTS = ROOT / "test-artifacts" / "abuse"
DOCUMENT = ROOT / "tests" / "e2e" / "fixtures" / "academy-event-approved.json"


def test_the_scanner_finds_a_secret_in_each_form() -> None:
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789ab").decode()
    found = forms(secret)
    lines = [f"delivery failed: {value} was refused" for value in found.values()]
    lines.append('{"level": "INFO", "message": "nothing to see"}')

    leaks = scan_lines(lines, {"webhook secret": secret})

    assert {leak.line for leak in leaks} == set(range(1, len(found) + 1))
    assert {leak.form for leak in leaks} >= {"plain", "base64", "whsec payload", "whsec key"}
    assert all(leak.secret == "webhook secret" for leak in leaks)


def test_the_scanner_finds_a_password_inside_a_dsn_and_passes_clean_lines() -> None:
    password = "p@ss/w0rd:with-odd chars"
    lines = [
        "connecting to postgresql+asyncpg://stem:p%40ss%2Fw0rd%3Awith-odd%20chars@db/x",
        "connected to postgresql+asyncpg://stem:***@db/x",
    ]

    assert scan_lines(lines, {"db password": password}) == [
        Leak("<lines>", 1, "db password", "url-quoted")
    ]


def _secrets() -> dict[str, str]:
    return {
        "database password": f"pw-{secrets.token_urlsafe(18)}",
        "webhook secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "partner key": f"stem_abuse_{secrets.token_urlsafe(24)}",
        "ops token": f"ops-{secrets.token_urlsafe(24)}",
        "scoped ops token": f"ops-scoped-{secrets.token_urlsafe(24)}",
        # Sent on every upstream request of the gateway (stemkit.access.auth).
        "gateway token": f"gateway-{secrets.token_urlsafe(24)}",
    }


@asynccontextmanager
async def databases_of_a_role_with_a_password(
    admin_dsn: str, password: str
) -> AsyncIterator[dict[str, str]]:
    """A login role with this password owning one fresh database per service; dropped after."""
    admin_url = make_url(admin_dsn)
    role = f"abuse_{uuid.uuid4().hex[:12]}"
    names = {service: f"{role}_{service}" for service in SERVICES_WITH_DB}
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            quoted = password.replace("'", "''")
            await conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{quoted}'"))
            for name in names.values():
                await conn.execute(text(f'CREATE DATABASE "{name}" OWNER {role}'))
        urls = {
            service: admin_url.set(
                username=role, password=password, database=name
            ).render_as_string(hide_password=False)
            for service, name in names.items()
        }
        yield urls
    finally:
        async with admin.connect() as conn:
            for name in names.values():
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        await admin.dispose()


async def exercise(platform: Platform, known: dict[str, str]) -> list[int]:
    """Good and bad calls on every HTTP surface that takes a credential; the statuses."""
    partner, ops, scoped = known["partner key"], known["ops token"], known["scoped ops token"]
    body = DOCUMENT.read_text(encoding="utf-8")
    webhook = f"{platform.url('activities')}/webhooks/uitdatabank"
    graphql = f"{platform.url('gateway')}/graphql"
    feed = f"{platform.url('gateway')}/feeds/activities.ics"
    statuses = []
    async with httpx.AsyncClient(timeout=30) as client:

        async def call(method: str, url: str, expected: int, **kwargs: object) -> None:
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == expected, (url, response.status_code, response.text)
            statuses.append(response.status_code)

        signed = signed_headers(known["webhook secret"], body)
        await call("POST", webhook, 202, content=body, headers=signed)
        await call("POST", webhook, 200, content=body, headers=signed)  # a replay
        forged = signed_headers("whsec_" + base64.b64encode(b"x" * 32).decode(), body)
        await call("POST", webhook, 401, content=body, headers=forged)
        await call(
            "POST", webhook, 400, content="{", headers=signed_headers(known["webhook secret"], "{")
        )
        queries = {
            "partner": ({"X-API-Key": partner}, "{ academies(first: 3) { nodes { id name } } }"),
            "ops": (
                {"Authorization": f"Bearer {ops}"},
                "{ quarantine(first: 5) { total } subsidies(year: 2023) { paidEur } }",
            ),
            "scoped": (
                {"Authorization": f"Bearer {scoped}"},
                "{ deadLetters(service: ACTIVITIES, limit: 5) { offset } }",
            ),
        }
        for headers, query in queries.values():
            await call("POST", graphql, 200, json={"query": query}, headers=headers)
        await call("POST", graphql, 200, json={"query": "{ nope"}, headers={"X-API-Key": partner})
        await call(
            "POST",
            graphql,
            401,
            json={"query": "{ __typename }"},
            headers={"X-API-Key": partner + "x"},
        )
        await call(
            "POST",
            graphql,
            401,
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {ops}x"},
        )
        await call("GET", feed, 200, params={"key": partner})
        await call("GET", feed, 401, params={"key": partner[:-1]})
        quarantine = f"{platform.url('activities')}/quarantine"
        await call("GET", quarantine, 200, headers={"Authorization": f"Bearer {ops}"})
        await call("GET", quarantine, 401, headers={"Authorization": f"Bearer {partner}"})
        academy = {"name": "[DEMO] Abuse academy", "uit_organizer_ids": [], "demo": True}
        registry = f"{platform.url('registry')}/academies"
        await call("POST", registry, 401, json=academy, headers={"Authorization": "Bearer nope"})
        run = f"{platform.url('subsidy')}/calculations"
        await call(
            "POST", run, 401, json={"year": 2023}, headers={"Authorization": f"Bearer {scoped}"}
        )
    return statuses


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.slow
async def test_no_secret_appears_in_any_log_line_of_a_full_run(
    kafka_bootstrap_servers: str, pg_admin_dsn: str
) -> None:
    known = _secrets()
    for old in ARTIFACTS.glob("*.log"):
        old.unlink()
    async with databases_of_a_role_with_a_password(
        pg_admin_dsn, known["database password"]
    ) as urls:
        platform = Platform(
            kafka=kafka_bootstrap_servers,
            database_urls=urls,
            artifacts=ARTIFACTS,
            extra_env={
                "ACTIVITIES_WEBHOOK_SECRETS": known["webhook secret"],
                "GATEWAY_PARTNER_API_KEYS": known["partner key"],
                "STEM_OPS_TOKEN": known["ops token"],
                "STEM_GATEWAY_TOKEN": known["gateway token"],
                "GATEWAY_OPS_TOKEN_SCOPES": json.dumps({known["scoped ops token"]: ["quarantine"]}),
                "LOG_LEVEL": "DEBUG",  # the most a process would ever write
            },
        )
        try:
            await asyncio.to_thread(platform.start)
            await platform.wait_healthy(within=120)
            statuses = await exercise(platform, known)
            await asyncio.sleep(3)  # let the relay and consumers log what they did
            platform.assert_running()
        finally:
            platform.stop()

    logs = sorted(ARTIFACTS.glob("*.log"))
    assert {p.stem for p in logs} >= {
        "gateway",
        *SERVICES_WITH_DB,
        "activities-consumer",
        "activities-worker",
    }
    assert sum(len(p.read_bytes().splitlines()) for p in logs) > 50, "the processes logged little"
    assert 401 in statuses and 202 in statuses
    leaks = scan_files(logs, known)
    assert leaks == [], "secrets in logs (see test-artifacts/abuse):\n" + "\n".join(
        f"{leak.file}:{leak.line}: {leak.secret} ({leak.form})" for leak in leaks
    )


@pytest.fixture
def pg_admin_dsn() -> str:
    dsn = os.environ.get("STEM_TEST_POSTGRES_DSN")
    if not dsn:
        pytest.fail("STEM_TEST_POSTGRES_DSN is not set: run with `make test`", pytrace=False)
    return dsn
