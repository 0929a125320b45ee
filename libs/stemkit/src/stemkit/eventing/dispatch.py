"""A consumer's handler as a table: the contract's payload model -> its use case.

Each service's `service_layer/handlers.py` says which use case applies which event (by the
payload model, so each event type name is spelled only in the contracts); this turns that
into the `handle_event` the consumer calls and the `handled_types` it passes as `handles`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.eventing.catalog import EventCatalog
from stemkit.eventing.envelope import CloudEvent

UseCase = Callable[[AsyncSession, Any], Awaitable[None]]


class EventDispatch:
    def __init__(self, catalog: EventCatalog, use_cases: Mapping[type[BaseModel], UseCase]):
        """`use_cases`: payload model -> use case; every model must be in `catalog` (a use
        case that no event could reach is a mistake)."""
        self.routes: dict[str, tuple[type[BaseModel], UseCase]] = {
            t.name: (t.payload, use) for t in catalog.all() if (use := use_cases.get(t.payload))
        }
        reached = {payload for payload, _ in self.routes.values()}
        if missing := [m.__name__ for m in use_cases if m not in reached]:
            raise ValueError(f"payload models not in the catalogue: {', '.join(missing)}")
        self.handled_types = frozenset(self.routes)  # the consumer skips the others

    async def handle_event(self, session: AsyncSession, event: CloudEvent) -> None:
        """Called by the consumer loop inside a database transaction, once per event: the
        event's use case with its validated payload; nothing for a type not routed."""
        route = self.routes.get(event.type)
        if route is not None:
            payload, use_case = route
            await use_case(session, payload.model_validate(event.data))
