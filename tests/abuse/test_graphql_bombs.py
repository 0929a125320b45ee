"""The gateway's GraphQL under attack, in front of the real services on PostgreSQL.

Depth, alias and cost bombs, huge and negative `first`, duplicated fields, fragment cycles
and fragment fan-out ("billion laughs"), huge queries, batching, bodies nested deeper than
the JSON parser goes, and injection strings in every string argument of every root field
(input objects included). Whatever comes in: no 5xx from the gateway or behind it, an
answer within seconds, the limit named in the error, and no internals in any message.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLField, GraphQLInputObjectType, GraphQLInputType, GraphQLScalarType

from tests.abuse import graphql_queries
from tests.abuse.conftest import OPS_TOKEN, PARTNER_KEY, Platform

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
PARTNER = {"X-API-Key": PARTNER_KEY}
SECONDS = 5.0  # the slowest answer allowed to a bomb: refused early, never worked through
# What must never reach a client: internals of the stack, addresses, credentials.
LEAKS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "asyncpg",
    "psycopg",
    "postgresql",
    "SELECT ",
    "127.0.0.1",
    "http://",
    "Exception",
    OPS_TOKEN,
    PARTNER_KEY,
)
INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE academies; --",
    "%",
    "%%%'",
    "\\",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "Ünïcödé 🚀 漢字",
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://x/a}",
    "x" * 20_000,
    "",
]


@pytest.fixture(scope="module")
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.client("gateway") as client:
        yield client


@pytest.fixture(autouse=True)
def no_upstream_errors(platform: Platform) -> Iterator[None]:
    before = len(platform.upstream_errors)
    yield
    assert platform.upstream_errors[before:] == []


async def post(
    gateway: httpx.AsyncClient,
    payload: Any,
    headers: dict[str, str] = PARTNER,
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await gateway.post("/graphql", json=payload, headers=headers)
    return response, time.monotonic() - started


def messages(response: httpx.Response) -> list[str]:
    return [str(e.get("message")) for e in response.json().get("errors", [])]


def assert_clean(response: httpx.Response) -> None:
    """No 5xx, and no internals in anything the client reads."""
    assert response.status_code < 500, response.text[:500]
    for leak in LEAKS:
        assert leak not in response.text, (leak, response.text[:500])


async def refused(
    gateway: httpx.AsyncClient, query: str, expected: str, **more: Any
) -> dict[str, Any]:
    """The query runs nothing, says which limit, and is answered fast."""
    response, seconds = await post(gateway, {"query": query, **more})
    assert_clean(response)
    assert seconds < SECONDS, f"{seconds:.1f} s"
    body: dict[str, Any] = response.json()
    assert body["data"] is None, body
    assert any(expected in m for m in messages(response)), messages(response)
    return body


def nested_academies(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"activities(first: 1) {{ nodes {{ academy {{ {inner} }} }} }}"
    return f'{{ academy(id: "acad-0") {{ {inner} }} }}'


async def test_a_depth_bomb_is_refused(gateway: httpx.AsyncClient) -> None:
    await refused(gateway, nested_academies(12), "exceeds maximum operation depth of 10")


async def test_a_selection_nested_hundreds_deep_is_a_syntax_error(
    gateway: httpx.AsyncClient,
) -> None:
    await refused(gateway, "{" + "a {" * 900 + "id" + "}" * 901, "nested too deeply")


async def test_an_alias_bomb_is_refused(gateway: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f'a{i}: academy(id: "x") {{ id }}' for i in range(100)) + " }"
    await refused(gateway, query, "aliases found. Allowed: 15")


async def test_a_cost_bomb_of_nested_connections_is_refused(gateway: httpx.AsyncClient) -> None:
    query = (
        "{ academies(first: 100) { nodes { activities(first: 100) { nodes {"
        " academy { activities(first: 100) { nodes { id } } } } } } } }"
    )
    body = await refused(gateway, query, "exceeds the limit of 5000")
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert body["errors"][0]["extensions"]["cost"] > 5000


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("1000000000", "QUERY_TOO_COSTLY"),
        ("2147483647", "QUERY_TOO_COSTLY"),
        ("2147483648", "Int cannot represent non 32-bit signed integer value"),
        ("99999999999999999999999", "Int cannot represent"),
        ("1.5", "Int cannot represent non-integer value"),
        ('"100"', "Int cannot represent non-integer value"),
    ],
)
async def test_a_huge_first_is_refused(
    gateway: httpx.AsyncClient, first: str, expected: str
) -> None:
    response, _ = await post(
        gateway, {"query": f"{{ activities(first: {first}) {{ nodes {{ id }} }} }}"}
    )
    assert_clean(response)
    assert response.json()["data"] is None
    errors = response.json()["errors"]
    assert (
        expected in errors[0]["message"] or errors[0].get("extensions", {}).get("code") == expected
    )


@pytest.mark.parametrize("first", [10**9, 10**12, 2**63])
async def test_a_huge_first_in_variables_is_refused(gateway: httpx.AsyncClient, first: int) -> None:
    query = "query($n: Int!) { activities(first: $n) { nodes { id } } }"
    response, _ = await post(gateway, {"query": query, "variables": {"n": first}})
    assert_clean(response)
    assert response.json()["data"] is None
    assert messages(response)


@pytest.mark.parametrize("first", ["0", "-1", "-2147483648", "101"])
async def test_a_page_size_outside_1_to_100_is_refused_by_name(
    gateway: httpx.AsyncClient, first: str
) -> None:
    for field in ("activities", "academies"):
        query = f"{{ {field}(first: {first}) {{ nodes {{ id }} }} }}"
        response, _ = await post(gateway, {"query": query})
        assert_clean(response)
        assert response.json()["data"] == {field: None}
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"


async def test_duplicated_fields_hit_the_token_limit(gateway: httpx.AsyncClient) -> None:
    await refused(gateway, '{ activity(id: "x") { ' + "id " * 5000 + "} }", "more than 2000 tokens")


async def test_duplicated_fields_under_the_limits_are_merged_not_multiplied(
    gateway: httpx.AsyncClient,
) -> None:
    once, _ = await post(gateway, {"query": "{ academies(first: 3) { nodes { id name } } }"})
    query = "{ academies(first: 3) { nodes { " + "id name " * 400 + "} } }"
    response, seconds = await post(gateway, {"query": query})
    assert_clean(response)
    assert seconds < SECONDS
    assert "errors" not in response.json(), response.json()
    assert response.json()["data"] == once.json()["data"]
    cost = response.json()["extensions"]["cost"]["requested"]
    assert cost == once.json()["extensions"]["cost"]["requested"]


@pytest.mark.parametrize(
    "fragments",
    [
        pytest.param("fragment A on Academy { ...A }", id="self"),
        pytest.param("fragment A on Academy { ...B } fragment B on Academy { id ...A }", id="two"),
        pytest.param(
            "fragment A on Academy { ...B } fragment B on Academy { ...C }"
            " fragment C on Academy { name ...A }",
            id="three",
        ),
    ],
)
async def test_a_fragment_cycle_is_refused(gateway: httpx.AsyncClient, fragments: str) -> None:
    await refused(
        gateway, f'{{ academy(id: "x") {{ ...A }} }} {fragments}', "Cannot spread fragment"
    )


def laughs(levels: int, on: str, leaf: str) -> str:
    """Fragments each spreading the next twice: 2**levels spreads from a few hundred bytes."""
    chain = " ".join(f"fragment F{i} on {on} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"{chain} fragment F{levels} on {on} {{ {leaf} }}"


@pytest.mark.parametrize(
    ("on", "root", "leaf"),
    [
        ("Academy", '{ academy(id: "acad-0") { ...F0 } }', "reach { year }"),
        ("Activity", "{ activities(first: 2) { nodes { ...F0 } } }", "id name"),
    ],
)
async def test_fragment_fan_out_is_refused_before_anything_walks_it(
    gateway: httpx.AsyncClient, on: str, root: str, leaf: str
) -> None:
    """2**60 spreads from 2 KB: measured in linear time and refused before validation (whose
    depth limit would walk every one of them)."""
    body = await refused(gateway, f"{root} {laughs(60, on, leaf)}", "expands to more than 5000")
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


async def test_a_small_fan_out_still_runs(gateway: httpx.AsyncClient) -> None:
    query = "{ activities(first: 2) { nodes { ...F0 } } } " + laughs(8, "Activity", "id name")
    response, seconds = await post(gateway, {"query": query})
    assert_clean(response)
    assert seconds < SECONDS, f"{seconds:.1f} s"
    assert "errors" not in response.json(), response.json()


async def test_a_huge_query_is_a_413(gateway: httpx.AsyncClient) -> None:
    query = "{ __typename " + "# padding\n" * 100_000 + "}"
    response, _ = await post(gateway, {"query": query})
    assert response.status_code == 413


async def test_a_huge_query_by_get_hits_the_token_limit(gateway: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f'a{i}: academy(id: "x") {{ id }}' for i in range(400)) + " }"
    started = time.monotonic()
    response = await gateway.get("/graphql", params={"query": query}, headers=PARTNER)
    assert_clean(response)
    assert time.monotonic() - started < SECONDS
    assert response.json()["data"] is None


async def test_batching_is_not_supported_and_says_so(gateway: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"}] * 50
    response, _ = await post(gateway, batch)
    assert response.status_code == 400
    assert "Batching is not enabled" in response.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 30_000 + b"]" * 30_000, id="arrays"),
        pytest.param(
            b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001,
            id="variables",
        ),
        pytest.param(b"{" * 60_000, id="unclosed"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"query": 42}', id="query-not-a-string"),
        pytest.param(b'{"query": "{ __typename }", "variables": [1]}', id="variables-a-list"),
        pytest.param(b'{"query": "{ __typename }", "operationName": {}}', id="name-an-object"),
    ],
)
async def test_malformed_bodies_are_4xx(gateway: httpx.AsyncClient, body: bytes) -> None:
    headers = PARTNER | {"content-type": "application/json"}
    response = await gateway.post("/graphql", content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert_clean(response)


async def test_an_unknown_field_error_names_no_internals(gateway: httpx.AsyncClient) -> None:
    response, _ = await post(gateway, {"query": "{ academy(id: 1) { password __schema } }"})
    assert_clean(response)
    assert response.json()["data"] is None


def string_arguments() -> Iterator[tuple[str, str]]:
    """(root field, argument path) for every argument that takes text: String, ID and the
    date scalars, in lists too, and the same inside input objects (`filter.text`)."""
    for name, field in graphql_queries.root_fields(graphql_queries.schema()).items():
        for arg_name, argument in field.args.items():
            kind = graphql_queries.named(argument.type)
            if isinstance(kind, GraphQLInputObjectType):
                for inner, inner_field in kind.fields.items():
                    if textual(inner_field.type):
                        yield name, f"{arg_name}.{inner}"
            elif textual(argument.type):
                yield name, arg_name


def textual(kind: GraphQLInputType) -> bool:
    found = graphql_queries.named(kind)
    return isinstance(found, GraphQLScalarType) and found.name in {
        "String",
        "ID",
        "Date",
        "DateTime",
    }


def injected_query(name: str, field: GraphQLField, path: str) -> tuple[str, str, bool]:
    """The root field's query with `$v` at `path`; (query, variable type, list?)."""
    argument, _, inner = path.partition(".")
    kind = field.args[argument].type
    if inner:
        assert isinstance(graphql_queries.named(kind), GraphQLInputObjectType)
        input_kind = graphql_queries.named(kind)
        assert isinstance(input_kind, GraphQLInputObjectType)
        inner_type = input_kind.fields[inner].type
        value, is_list = f"{{ {inner}: $v }}", "[" in str(inner_type)
        scalar = graphql_queries.named(inner_type).name
    else:
        value, is_list = "$v", "[" in str(kind)
        scalar = graphql_queries.named(kind).name
    var_type = f"[{scalar}!]" if is_list else f"{scalar}!"
    query = graphql_queries.query_for(name, field, {argument: value})
    return f"query($v: {var_type}) {query}", var_type, is_list


TARGETS = sorted(set(string_arguments()))


def test_the_injection_walk_covers_the_filters() -> None:
    """A walk that found no arguments would pass vacuously."""
    assert ("activities", "filter.text") in TARGETS
    assert ("activities", "filter.nisCodes") in TARGETS
    assert ("academies", "nameContains") in TARGETS
    assert len(TARGETS) >= 20, TARGETS


@pytest.mark.parametrize(("field", "path"), TARGETS, ids=[f"{f}-{p}" for f, p in TARGETS])
async def test_injection_strings_in_every_text_argument(
    gateway: httpx.AsyncClient, field: str, path: str
) -> None:
    """As variables (any text arrives intact) and as literals; with the ops token, so that
    ops fields run too. Each answer: no 5xx anywhere, nothing internal in it."""
    fields = graphql_queries.root_fields(graphql_queries.schema())
    query, _, is_list = injected_query(field, fields[field], path)
    for text in INJECTIONS:
        value: Any = [text] if is_list else text
        response, seconds = await post(gateway, {"query": query, "variables": {"v": value}}, OPS)
        assert_clean(response)
        assert response.status_code == 200, response.text[:300]
        assert seconds < SECONDS, (text[:20], f"{seconds:.1f} s")
    literal = graphql_queries.query_for(
        field, fields[field], {path.split(".")[0]: _literal(path, "' OR 1=1 --", is_list)}
    )
    response, _ = await post(gateway, {"query": literal}, OPS)
    assert_clean(response)


def _literal(path: str, text: str, is_list: bool) -> str:
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    value = f"[{quoted}]" if is_list else quoted
    _, _, inner = path.partition(".")
    return f"{{ {inner}: {value} }}" if inner else value
