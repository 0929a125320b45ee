"""Schema extensions that guard every operation.

In order: persisted queries (APQ and the safelist) resolve the query text; introspection
is refused to partners in production; after validation the static cost is computed and
paid from the caller's bucket (429 with Retry-After when it is empty); the cost goes back
in `extensions.cost`. Depth, alias and token limits are Strawberry's own extensions.

A query refused before it runs (a syntax error, a failed validation, too large, too
costly) pays the flat `refused_cost` instead: refusals cost the gateway work too, and a
caller must not try variants for free. With an empty bucket the refusal is a 429.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.adapters.persisted import sha256
from gateway.adapters.upstreams import UpstreamError
from gateway.domain.cost import expanded_size, query_cost
from gateway.reporting.report_field import LIST_SIZES as REPORT_LIST_SIZES
from gateway.schema.context import Context

# Typical sizes of lists without `first` (see gateway.domain.cost).
LIST_SIZES = {
    "Query.municipalities": 300,
    "Activity.occurrences": 2,
    "Municipality.reachedBy": 2,
    "Query.deadLetters": 100,  # its `limit` is at most 100
    **REPORT_LIST_SIZES,
}


# Fields of a query with its fragments expanded; checked before validation (whose depth
# limit walks every expansion). Without fragments the token limit keeps far below it.
MAX_EXPANDED_SELECTIONS = 5000


def _error(message: str, code: str, **more: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **more})


class Protection(SchemaExtension):
    cost: int | None = None
    remaining: float = 0.0
    charged = False  # the query has paid (its cost or the refusal's); never twice

    def _context(self) -> Context:
        context: Context = self.execution_context.context
        return context

    def on_operation(self) -> Iterator[None]:
        context = self._context()
        self._resolve_persisted(context)
        if context.guard.production and context.caller.kind == "partner":
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NoSchemaIntrospectionCustomRule)
        try:
            yield
        except GraphQLError:
            # A syntax error (or too many tokens) is raised by the parser, before validation.
            if not self.charged:
                self._charge_refusal()
            raise

    def _resolve_persisted(self, context: Context) -> None:
        execution = self.execution_context
        persisted = (execution.operation_extensions or {}).get("persistedQuery")
        if isinstance(persisted, dict):
            wanted = str(persisted.get("sha256Hash", ""))
            if execution.query:
                if sha256(execution.query) != wanted:
                    raise _error("provided sha does not match query", "PERSISTED_QUERY_HASH")
                context.guard.apq.put(wanted, execution.query)
            else:
                found = context.guard.safelist.get(wanted) or context.guard.apq.get(wanted)
                if found is None:
                    raise _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
                execution.query = found
        if (
            context.caller.safelist_only
            and sha256(execution.query or "") not in context.guard.safelist
        ):
            raise _error("only safelisted operations are allowed", "PERSISTED_QUERY_NOT_ALLOWED")

    def _charge_refusal(self) -> None:
        """Pay the flat cost of a refused query; a 429 when the bucket cannot."""
        self.charged = True
        context = self._context()
        guard = context.guard
        paid, rest = guard.buckets.take(context.caller.id, guard.refused_cost)
        if not paid:
            retry = guard.buckets.retry_after(rest)
            _respond(context, 429, {"Retry-After": str(retry)})
            raise _error("rate limit exceeded", "RATE_LIMITED", retryAfter=retry)

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        if document is not None and expanded_size(document) > MAX_EXPANDED_SELECTIONS:
            self._charge_refusal()
            raise _error(
                f"the query expands to more than {MAX_EXPANDED_SELECTIONS} fields",
                "QUERY_TOO_LARGE",
            )
        yield
        execution = self.execution_context
        if execution.pre_execution_errors or execution.graphql_document is None:
            self._charge_refusal()
            return
        context = self._context()
        cost = query_cost(
            execution.schema._schema,
            execution.graphql_document,
            execution.variables,
            execution.operation_name,
            LIST_SIZES,
        )
        guard = context.guard
        if cost > guard.max_query_cost:
            self._charge_refusal()
            raise _error(
                f"query cost {cost} exceeds the limit of {guard.max_query_cost}",
                "QUERY_TOO_COSTLY",
                cost=cost,
            )
        paid, rest = guard.buckets.take(context.caller.id, cost)
        self.charged = True
        if not paid:
            retry = guard.buckets.retry_after(rest)
            _respond(context, 429, {"Retry-After": str(retry)})
            raise _error("rate limit exceeded", "RATE_LIMITED", cost=cost, retryAfter=retry)
        self.cost, self.remaining = cost, rest
        limit, remaining = str(guard.buckets.capacity), str(int(rest))
        _respond(context, None, {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": remaining})

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        limit = self._context().guard.buckets.capacity
        return {"cost": {"requested": self.cost, "remaining": int(self.remaining), "limit": limit}}


def _respond(context: Context, status: int | None, headers: dict[str, str]) -> None:
    """Set the HTTP status and headers of the answer (Strawberry's sub-response)."""
    if context.response is None:
        return
    if status is not None:
        context.response.status_code = status
    context.response.headers.update(headers)


def _should_mask(error: GraphQLError) -> bool:
    """Our own messages pass (GraphQL errors, upstream unavailability); anything else is masked."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | UpstreamError)


def extensions(
    max_depth: int, max_aliases: int, max_tokens: int
) -> list[Callable[[], SchemaExtension]]:
    """Fresh extensions per request; the limit rules are built once, so that validation
    results can be cached (the cache key holds the rule classes)."""
    depth = QueryDepthLimiter(max_depth=max_depth).validation_rules
    aliases = MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules
    rules = [*depth, *aliases]
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=256),
        Protection,
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=_should_mask, error_message="internal error"),
    ]
