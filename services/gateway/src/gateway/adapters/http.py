"""What every upstream adapter shares: a GET that maps any failure to `UpstreamError`, and a
tolerant parse into the gateway's own read models (unknown fields ignored, so an upstream
may add fields without breaking the gateway)."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from gateway.adapters.upstreams import UpstreamError

log = logging.getLogger(__name__)

MAX_BATCH = 100  # what the registry and activities services accept per `?ids=` request

# An id that becomes part of an upstream path: UUIDs and the services' other plain ids. No
# `/`, no `%`, no dot segment: `..` would make `/academies/../participant-reports` the
# upstream's `/participant-reports` (issue 17).
_PATH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:-]{0,127}")


class InvalidId(ValueError):
    """An id given by a client that cannot be one (shown to the client, no upstream call)."""


def path_id(argument: str, value: str) -> str:
    """`value` checked to be a plain id before it is put in an upstream path."""
    if not _PATH_ID.fullmatch(value):
        raise InvalidId(f"{argument} is not a valid id")
    return value


class Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


async def get(
    client: httpx.AsyncClient, service: str, path: str, **params: str | int | None
) -> httpx.Response:
    """One GET; a refused connection, a timeout or a non-2xx answer is an `UpstreamError`.
    A 404 is returned as is, for the caller to read as "none"."""
    given = [(k, str(v)) for k, v in params.items() if v is not None]
    return await get_many(client, service, path, given)


async def get_many(
    client: httpx.AsyncClient,
    service: str,
    path: str,
    params: list[tuple[str, str]],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """`get` with repeatable parameters (`?theme_id=a&theme_id=b`)."""
    return await _send(
        service, client.build_request("GET", path, params=tuple(params), headers=headers), client
    )


async def post(client: httpx.AsyncClient, service: str, path: str, body: Any) -> httpx.Response:
    """A read by POST (a computation that stores nothing), failures as in `get`."""
    return await _send(service, client.build_request("POST", path, json=body), client)


async def _send(service: str, request: httpx.Request, client: httpx.AsyncClient) -> httpx.Response:
    try:
        response = await client.send(request)
        if response.status_code != 404:
            response.raise_for_status()
        return response
    except httpx.HTTPError as exc:
        log.warning("upstream %s failed: %s: %s", service, type(exc).__name__, exc)
        raise UpstreamError(service) from exc


def parse(service: str, model: TypeAdapter[Any], response: httpx.Response) -> Any:
    try:
        return model.validate_json(response.content)
    except ValidationError as exc:
        log.warning("upstream %s answered an unexpected shape: %s", service, exc)
        raise UpstreamError(service) from exc
