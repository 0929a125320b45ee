"""Queries made from the SDL (contracts/graphql/schema.graphql), not by hand: one per root
field, with a sample value for each required argument and every leaf field of the result
(objects without leaves are followed one level down). A new field is covered without
anyone writing its query."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    build_schema,
)

SDL = Path(__file__).resolve().parents[2] / "contracts" / "graphql" / "schema.graphql"

# Sample values by argument name first (a year must be a year), then by type.
BY_NAME = {"year": "2023", "first": "5", "limit": "5"}  # 2023: a year with a subsidy call
BY_TYPE = {
    "Int": "3",
    "Float": "1.5",
    "String": '"x"',
    "ID": '"x"',
    "Boolean": "true",
    "Date": '"2026-01-01"',
    "DateTime": '"2026-01-01T00:00:00+00:00"',
    "Decimal": '"1.00"',
    "JSON": "{}",
}


def schema() -> GraphQLSchema:
    return build_schema(SDL.read_text(encoding="utf-8"))


def root_fields(sdl: GraphQLSchema) -> dict[str, GraphQLField]:
    assert sdl.query_type is not None
    return dict(sdl.query_type.fields)


def named(kind: GraphQLOutputType | GraphQLInputType) -> GraphQLNamedType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def required(argument: GraphQLArgument) -> bool:
    return isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined


def sample(name: str, kind: GraphQLInputType) -> str:
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if isinstance(inner, GraphQLList):
        return f"[{sample(name, inner.of_type)}]"
    if name in BY_NAME and isinstance(inner, GraphQLScalarType) and inner.name == "Int":
        return BY_NAME[name]
    if isinstance(inner, GraphQLEnumType):
        return str(next(iter(inner.values)))
    if isinstance(inner, GraphQLInputObjectType):
        return "{}"
    assert isinstance(inner, GraphQLScalarType), inner
    return BY_TYPE[inner.name]


def arguments(field: GraphQLField, extra: dict[str, str] | None = None) -> str:
    given = {n: sample(n, a.type) for n, a in field.args.items() if required(a)}
    given |= extra or {}
    return "(" + ", ".join(f"{n}: {v}" for n, v in given.items()) + ")" if given else ""


def selection(kind: GraphQLNamedType, depth: int = 0) -> str:
    """Every leaf without required arguments; objects without leaves, one level down."""
    if not isinstance(kind, GraphQLObjectType):
        return ""
    usable = {n: f for n, f in kind.fields.items() if not any(map(required, f.args.values()))}
    leaves = [n for n, f in usable.items() if not isinstance(named(f.type), GraphQLObjectType)]
    if leaves:
        return "{ " + " ".join(leaves) + " }"
    if depth >= 2:
        return "{ __typename }"
    inner = [f"{n} {selection(named(f.type), depth + 1)}" for n, f in usable.items()]
    return "{ " + " ".join(inner) + " }"


def query_for(name: str, field: GraphQLField, extra: dict[str, str] | None = None) -> str:
    return f"{{ {name}{arguments(field, extra)} {selection(named(field.type))} }}"
