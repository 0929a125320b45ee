"""Start a service's uvicorn with framework bypasses switched off, for side-by-side turns.

    python -m bench.without_bypass leaves,gc --factory gateway.entrypoints.api:create_app ...

The first argument names the bypasses to switch off (comma-separated, see `SWITCHES`); the
rest are uvicorn's. A bench starts this next to the unchanged service and alternates its
turns between the two (BENCH_WITHOUT in bench_gateway and bench_webhook), so both see the
same machine load. Nothing here is imported by product code.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession


def _no_gc_thresholds() -> None:
    """The gateway keeps CPython's default collector thresholds."""
    import gc

    from gateway.entrypoints import api

    api.GC_THRESHOLDS = gc.get_threshold()


def _no_plain_leaves() -> None:
    """The gateway's GraphQL runs every field through graphql-core's own `execute_fields`."""
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from gateway.graphql_api.execution import PlainLeafExecution

    PlainLeafExecution.execute_fields = StrawberryGraphQLCoreExecutionContext.execute_fields  # type: ignore[method-assign]


def _no_direct_route() -> None:
    """The activities webhook goes through FastAPI's own route handler (dependencies
    solved, response checked) like every other route."""
    from fastapi.routing import APIRoute

    from activities.entrypoints import webhook_routes

    webhook_routes._DirectRoute.get_route_handler = APIRoute.get_route_handler  # type: ignore[method-assign]


SWITCHES: dict[str, Callable[[], None]] = {
    "gc": _no_gc_thresholds,
    "leaves": _no_plain_leaves,
    "direct_route": _no_direct_route,
}


# In-process switches (bench_subsidy): a subsidy adapter's PostgreSQL-only path replaced by
# the SQLAlchemy path it takes on other databases, for the duration of a turn.


async def _load_by_executemany(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    if rows:
        await session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])


class _CollectorLeftOn:
    """Stands in for the `gc` module in subsidy's rebuild: the cyclic collector stays on."""

    @staticmethod
    def disable() -> None:
        pass

    @staticmethod
    def enable() -> None:
        pass


IN_PROCESS = ("copy", "rebuild_gc")


@contextmanager
def switched_off(names: Iterable[str]) -> Iterator[None]:
    """Within the block, the named in-process bypasses (`IN_PROCESS`: "copy", subsidy
    bulk.load's COPY; "rebuild_gc", the rebuild's `gc.disable()`) are off."""
    from subsidy.adapters import bulk
    from subsidy.service_layer import rebuild

    replaced: list[tuple[Any, str, Any]] = []
    for name in names:
        if name == "copy":
            targets: list[tuple[Any, str, Any]] = [(bulk, "load", _load_by_executemany)]
        elif name == "rebuild_gc":
            targets = [(rebuild, "gc", _CollectorLeftOn)]
        else:
            raise ValueError(f"unknown in-process bypass {name!r}")
        for module, attribute, value in targets:
            replaced.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, value)
    try:
        yield
    finally:
        for module, attribute, value in reversed(replaced):
            setattr(module, attribute, value)


def main() -> None:
    names = [n for n in sys.argv[1].split(",") if n]
    unknown = sorted(set(names) - set(SWITCHES))
    if unknown:
        raise SystemExit(f"unknown bypasses {unknown}; known: {sorted(SWITCHES)}")
    for name in names:
        SWITCHES[name]()
    sys.argv = ["uvicorn", *sys.argv[2:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
