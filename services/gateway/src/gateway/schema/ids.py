"""Ids given as GraphQL arguments, checked to be what they are before any upstream call: an
id that is not one is the client's error (BAD_USER_INPUT), not the upstream's (issue 17)."""

from __future__ import annotations

from graphql import GraphQLError

from gateway.adapters.http import InvalidId, path_id


def plain_id(argument: str, value: str) -> str:
    """`value` if it can be an id in an upstream path (`gateway.adapters.http.path_id`)."""
    try:
        return path_id(argument, value)
    except InvalidId as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from None
