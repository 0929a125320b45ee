"""Static query cost, computed from the document before anything runs (as Shopify and GitHub).

A scalar or enum costs 0; an object costs 1 plus its selection; a list of objects costs
its size times that, the size being the field's `first` argument when it has one (a
connection: its `edges` and `nodes` are not counted again) and otherwise the field's
declared typical size (`list_sizes`, default `DEFAULT_LIST_SIZE`).
Fragments count where they are spread. The figure is an upper bound of the work, not a
measurement, so a partner can know the price of a query before sending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

DEFAULT_LIST_SIZE = 10


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    list_sizes: Mapping[str, int] | None = None,
) -> int:
    """The cost of the operation that would run (the named one, else the only one)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if not chosen:
        return 0
    operation = chosen[0]
    root = schema.get_root_type(operation.operation)
    counter = _Counter(fragments, dict(variables or {}), dict(list_sizes or {}))
    return 0 if root is None else counter.selection(root, operation.selection_set, set())


class _Counter:
    def __init__(
        self,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        list_sizes: dict[str, int],
    ) -> None:
        self.fragments, self.variables, self.list_sizes = fragments, variables, list_sizes
        # A fragment's cost under a parent type, counted once: fragments that spread others
        # twice, 20 deep, would otherwise be walked 2**20 times (found by tests/abuse).
        self.spread_costs: dict[tuple[str, str], int] = {}

    def selection(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, seen: set[str]
    ) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, seen)
            elif isinstance(node, InlineFragmentNode):
                total += self.selection(parent, node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:  # unknown fragments fail validation anyway
                    key = (parent.name, node.name.value)
                    if key not in self.spread_costs:
                        inner = seen | {node.name.value}
                        self.spread_costs[key] = self.selection(
                            parent, fragment.selection_set, inner
                        )
                    total += self.spread_costs[key]
        return total

    def field(self, parent: GraphQLNamedType, node: FieldNode, seen: set[str]) -> int:
        if not isinstance(parent, GraphQLObjectType) or node.selection_set is None:
            return 0  # a scalar, an enum, or a field of an interface we do not have
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        named, is_list = _unwrap(definition.type)
        cost = 1 + self.selection(named, node.selection_set, seen)
        first = self._argument(node, "first")
        if first is not None:
            return max(first, 0) * cost + 1
        if is_list and not _in_connection(parent, node):
            key = f"{parent.name}.{node.name.value}"
            return self.list_sizes.get(key, DEFAULT_LIST_SIZE) * cost
        return cost

    def _argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) else None
        return None


def _in_connection(parent: GraphQLObjectType, node: FieldNode) -> bool:
    """A connection's `edges` and `nodes` are already counted by its `first`."""
    return parent.name.endswith("Connection") and node.name.value in ("edges", "nodes")


def _unwrap(kind: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(kind, GraphQLList)
        kind = kind.of_type
    return kind, is_list


def expanded_size(document: DocumentNode) -> int:
    """How many selections the document holds with every fragment spread expanded, counted
    in linear time (each fragment's size once). Fragments that spread the next one twice,
    60 deep, are 2**60 selections for anything that walks them (Strawberry's depth limit
    does): such a document is refused on this figure before validation."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    sizes: dict[str, int] = {}

    def size(selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        total = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                total += 1 + size(node.selection_set, visiting)
            elif isinstance(node, InlineFragmentNode):
                total += size(node.selection_set, visiting)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                if name in visiting or name not in fragments:
                    continue  # a cycle or an unknown fragment: validation says so
                if name not in sizes:
                    sizes[name] = size(fragments[name].selection_set, visiting | {name})
                total += sizes[name]
        return total

    return sum(
        size(d.selection_set, frozenset())
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )
