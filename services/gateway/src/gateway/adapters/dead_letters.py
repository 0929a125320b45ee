"""`GET /dead-letters?limit=` of the activities and subsidy services, as the gateway uses it.

Not one upstream's own API but the platform route every consumer service mounts from
`stemkit.ops.dead_letters` (ops scope), so one module reads it for all of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from pydantic import TypeAdapter

from gateway.adapters.http import Read, get_many, parse


class DeadLetterRead(Read):
    topic: str
    partition: int
    offset: int
    timestamp: datetime | None = None
    document: dict[str, Any] = {}


_DEAD_LETTERS = TypeAdapter(list[DeadLetterRead])


async def dead_letters(
    client: httpx.AsyncClient, service: str, token: str, limit: int
) -> list[DeadLetterRead]:
    """The newest `limit` dead letters of `service`'s consumer, newest first (the ops scope:
    the gateway's own service token)."""
    headers = {"Authorization": f"Bearer {token}"}
    params = [("limit", str(limit))]
    response = await get_many(client, service, "/dead-letters", params, headers=headers)
    found: list[DeadLetterRead] = parse(service, _DEAD_LETTERS, response)
    return found
