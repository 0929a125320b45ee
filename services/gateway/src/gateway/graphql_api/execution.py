"""A shorter way through graphql-core for plain leaf fields, the bulk of a calendar page.

A page of 50 activities with their academy and municipality asks ~800 fields, ~600 of them
plain attributes with a scalar or enum type (`id`, `name`, `start`, `postalCode`, ...). For
each, graphql-core makes a response path and a resolve info, calls Strawberry's default
resolver through two wrappers and runs the whole completion chain: most of the gateway's
CPU on a calendar page (docs/performance-notes.md, gateway).

For a field whose Strawberry resolver is the default attribute read, asked without
arguments or directives, and with no schema middleware (extensions with a per-field
`resolve` hook), this reads the attribute and coerces it with the field's own scalar or
enum type. Anything else, and anything unusual (a null for a non-null field, a value the
type refuses, a read that raises), goes graphql-core's own way, so answers and errors are
the same as without it. The unit tests run every query through it.

`execute_fields` is graphql-core 3.3's own, with the leaf read in front of `execute_field`.
Kept because it still pays: without it the gateway spends 10-26 % more CPU per calendar page
in each turn of the fairer run side by side in bench_gateway (ADR 0025).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import GraphQLLeafType, GraphQLObjectType, is_leaf_type, is_non_null_type
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# How to read a plain leaf field: the attribute read, its scalar or enum type, non-null.
_Leaf = tuple[Callable[[Any], Any], GraphQLLeafType, bool]
# Per response name of a selection set, how to read it directly (None: graphql-core's way).
_Plan = tuple[GroupedFieldSet, list[_Leaf | None]]
_MISSING = object()


class PlainLeafExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain leaf fields read without the detour."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._direct = not (manager is not None and manager.middlewares)
        self._plans: dict[int, _Plan] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if not self._direct:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        leaves = self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for (response_name, field_details_list), leaf in zip(
                grouped_field_set.items(), leaves, strict=True
            ):
                if leaf is not None:
                    value = _read(leaf, source_value)
                    if value is not _MISSING:
                        results[response_name] = value
                        continue
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, field_details_list, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # Settle what other fields started, as graphql-core does: they may fail too.
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Leaf | None]:
        # graphql-core memoizes a selection's grouped field set for the request, so the
        # 50 rows of a page share one, and one plan.
        known = self._plans.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        leaves = [self._plain_leaf(parent_type, details) for details in grouped_field_set.values()]
        self._plans[id(grouped_field_set)] = (grouped_field_set, leaves)
        return leaves

    def _plain_leaf(
        self, parent_type: GraphQLObjectType, details: FieldDetailsList
    ) -> _Leaf | None:
        node = details[0].node
        if any(d.node.arguments or d.node.directives for d in details):
            return None
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None or field_def.args:
            return None
        resolve = field_def.resolve
        if resolve is None or not getattr(resolve, "_is_default", False):
            return None  # a resolver of ours, or a meta field like __typename
        of_type: Any = field_def.type
        non_null = is_non_null_type(of_type)
        if non_null:
            of_type = of_type.of_type
        if not is_leaf_type(of_type):
            return None
        definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
            return attrgetter(definition.python_name), of_type, non_null
        return (lambda source: resolve(source, None)), of_type, non_null


def _read(leaf: _Leaf, source: Any) -> Any:
    """The field's answer, or `_MISSING` when graphql-core must do it (and report errors)."""
    read, leaf_type, non_null = leaf
    try:
        value = read(source)
        if value is None:
            return _MISSING if non_null else None
        if isinstance(value, Exception):
            return _MISSING
        coerced = leaf_type.coerce_output_value(value)
    except Exception:  # graphql-core's way reports it
        return _MISSING
    return _MISSING if coerced is None or coerced is Undefined else coerced
