"""Schemathesis against every operation of every service's OpenAPI: no 5xx, and successful
answers that conform to the contract (content type, body schema).

The contracts are the committed files (contracts/openapi/*.json) for the registry,
activities and subsidy; the gateway's REST routes (feeds, /graphql over GET and POST) come
from the app's own OpenAPI. Requests go in process to the real apps on fresh PostgreSQL
databases (`platform`), with the ops token and a partner key, so that generated cases get
past authentication and reach the code behind it. Each operation gets a bounded number of
positive examples (valid per the contract) and of negative ones (invalid on purpose).

Hypothesis drives generation in a worker thread; each request is sent on the test's event
loop, where the apps and their database pools live.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.abuse.conftest import OPS_TOKEN, PARTNER_KEY, Platform

# Schemathesis' generics say nothing useful here: any operation, any case.
Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]

pytestmark = [pytest.mark.postgres, pytest.mark.kafka, pytest.mark.slow]

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "openapi"
SERVICES = ("registry", "activities", "subsidy")
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}


def success_conforms(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """The body of a 2xx answer matches its schema. Error answers are not held to the
    contract: FastAPI's own 400 (unparsable body) and the services' 404/409 and string
    `detail` on a 422 are not all documented (docs/abuse.md)."""
    if 200 <= response.status_code < 300:
        return response_schema_conformance(ctx, response, case)
    return None


CHECKS = [not_a_server_error, content_type_conformance, success_conforms]
# Operations whose every valid request is heavy (300 boundaries simplified together): fewer.
POSITIVE_EXAMPLES = {"GET /municipalities/boundaries": 3}
AUTH = {"Authorization": f"Bearer {OPS_TOKEN}", "X-API-Key": PARTNER_KEY}


def operations(schema: Any) -> dict[str, Operation]:
    found = {}
    for result in schema.get_all_operations():
        operation: Operation = result.ok()
        found[operation.label] = operation
    return found


def contract_operations(service: str) -> dict[str, Operation]:
    document = json.loads((CONTRACTS / f"{service}.json").read_text(encoding="utf-8"))
    return operations(schemathesis.openapi.from_dict(document))


OPERATIONS = {
    (service, label): operation
    for service in SERVICES
    for label, operation in contract_operations(service).items()
}


def fixed_headers(operation: Operation) -> dict[str, str]:
    """The credential headers this operation declares, set to a valid credential."""
    declared = {p.name.lower() for p in operation.headers}
    return {"authorization": AUTH["Authorization"]} if "authorization" in declared else {}


def breakable(operation: Operation) -> bool:
    """Whether a request can be made invalid: a body, or a parameter with a type or limits
    (a plain string in the path cannot; Hypothesis would search in vain)."""
    if list(operation.body):
        return True
    for parameter in operation.iter_parameters():
        schema = parameter.definition.get("schema", {})
        plain = schema.get("type") == "string" and not set(schema) - {"type", "title"}
        if parameter.location.value != "path" or not plain:
            return True
    return False


async def send(client: httpx.AsyncClient, kwargs: dict[str, Any]) -> httpx.Response:
    """A request in the `requests` shape schemathesis prepares, sent with httpx."""
    # The credentials last: a generated Authorization (the contracts declare the services'
    # bearer scheme) would only be refused; tests/abuse/test_service_doors.py covers that.
    headers = {**kwargs.get("headers", {}), **AUTH}
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        body["content"] = kwargs["data"]
    elif "data" in kwargs:
        body["data"] = kwargs["data"]
    if "files" in kwargs:
        body["files"] = kwargs["files"]
    return await client.request(
        kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=headers, **body
    )


async def fuzz(client: httpx.AsyncClient, operation: Operation) -> int:
    """Run the examples of one operation; returns how many requests were sent."""
    loop = asyncio.get_running_loop()
    sent = 0

    def exchange(case: AnyCase) -> None:
        nonlocal sent
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"))
        future = asyncio.run_coroutine_threadsafe(send(client, kwargs), loop)
        response = future.result(timeout=120)
        sent += 1
        case.validate_response(response, checks=CHECKS)

    for mode, examples in EXAMPLES.items():
        if mode is GenerationMode.NEGATIVE and not breakable(operation):
            continue
        if mode is GenerationMode.POSITIVE:
            examples = POSITIVE_EXAMPLES.get(operation.label, examples)
        strategy = operation.as_strategy(mode, headers=fixed_headers(operation) or None)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,  # the same cases on every run: a failure is reproducible
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: AnyCase) -> None:
            exchange(case)

        try:
            await asyncio.to_thread(run)
        except Unsatisfiable:
            # Nothing in the contract can be made invalid (e.g. only a string path parameter).
            if mode is not GenerationMode.NEGATIVE:
                raise
    return sent


@pytest.fixture(scope="module")
async def clients(platform: Platform) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    made = {name: platform.client(name) for name in (*SERVICES, "gateway")}
    try:
        yield made
    finally:
        for client in made.values():
            await client.aclose()


@pytest.mark.parametrize(
    ("service", "label"), [pytest.param(s, o, id=f"{s} {o}") for s, o in sorted(OPERATIONS)]
)
async def test_no_server_error_and_conforming_answers(
    clients: dict[str, httpx.AsyncClient], service: str, label: str
) -> None:
    sent = await fuzz(clients[service], OPERATIONS[(service, label)])

    assert sent >= 1


async def test_the_gateway_rest_routes(
    platform: Platform, clients: dict[str, httpx.AsyncClient]
) -> None:
    """Feeds and /graphql (GET, POST) from the gateway app's own OpenAPI."""
    schema = schemathesis.openapi.from_dict(platform.apps["gateway"].openapi())
    found = operations(schema)
    assert any("/feeds/" in label for label in found), sorted(found)
    for operation in found.values():
        assert await fuzz(clients["gateway"], operation) >= 1, operation.label


def test_every_contract_is_covered() -> None:
    """A service's contract that loads no operation would make the tests above vacuous."""
    for service in SERVICES:
        assert any(s == service for s, _ in OPERATIONS), service
