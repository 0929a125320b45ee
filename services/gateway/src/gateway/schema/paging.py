"""Relay-style cursor connections: a required `first` (1..100), forward paging by `after`."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

MAX_FIRST = 100
Node = TypeVar("Node")


@strawberry.type(description="Where a page ends (Relay)")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page")


@strawberry.type
class Edge(Generic[Node]):
    node: Node
    cursor: str | None = strawberry.field(
        description="Set on the last edge of a page (paging is forward, by page)"
    )


@strawberry.type(description="One page of a list (Relay cursor connection)")
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    nodes: list[Node]
    page_info: PageInfo

    @classmethod
    def of(cls, nodes: list[Node], next_cursor: str | None) -> Connection[Node]:
        edges = [
            Edge(node=n, cursor=next_cursor if i == len(nodes) - 1 else None)
            for i, n in enumerate(nodes)
        ]
        info = PageInfo(has_next_page=next_cursor is not None, end_cursor=next_cursor)
        return cls(edges=edges, nodes=nodes, page_info=info)


def check_first(first: int) -> None:
    if not 1 <= first <= MAX_FIRST:
        raise GraphQLError(
            f"`first` must be between 1 and {MAX_FIRST}", extensions={"code": "BAD_PAGE_SIZE"}
        )
