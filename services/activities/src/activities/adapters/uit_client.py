"""Reading UiTdatabank over HTTP: Entry API documents by IRI, and Search API v3 pages.

Timeouts on every call; retries with exponential backoff on transport errors, 429 and
5xx; 404 and 410 mean the item is gone (a deleted event is a soft delete with a document,
so these are items that never existed or were purged).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

GONE = (404, 410)
_RETRYABLE = (408, 425, 429)


class FetchFailed(Exception):
    """No usable answer after the retries; the caller tries again later."""


class FetchRefused(Exception):
    """The IRI is not on an allowed host: never fetched (a signed body could otherwise
    make this service call any address)."""


DEFAULT_HOSTS = ("io.uitdatabank.be", "io-test.uitdatabank.be")


@dataclass(frozen=True)
class Fetched:
    document: Any = None
    gone_status: int | None = None


class UitClient:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        attempts: int = 3,
        backoff: float = 0.5,
        headers: Mapping[str, str] | None = None,
        hosts: Sequence[str] = DEFAULT_HOSTS,
    ) -> None:
        self._hosts = frozenset(h.lower() for h in hosts)
        self._client = client
        self._attempts = attempts
        self._backoff = backoff
        self._headers = dict(headers or {})

    async def fetch(self, iri: str) -> Fetched:
        """`GET {iri}` as publiq's own consumer does (uitdatabank.md §13)."""
        url = httpx.URL(iri)
        if url.scheme not in ("http", "https") or url.host.lower() not in self._hosts:
            raise FetchRefused(f"{iri}: host {url.host!r} is not an allowed UiTdatabank host")
        response = await self._get(iri, {"includeMetadata": "true"})
        if response.status_code in GONE:
            return Fetched(gone_status=response.status_code)
        return Fetched(document=_json(response, iri))

    async def search(self, url: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """One Search API page (`{totalItems, member: [...]}`)."""
        response = await self._get(url, params)
        if response.status_code != 200:
            raise FetchFailed(f"GET {url}: HTTP {response.status_code}")
        page = _json(response, url)
        if not isinstance(page, Mapping):
            raise FetchFailed(f"GET {url}: not a search result page")
        return page

    async def _get(self, url: str, params: Mapping[str, Any]) -> httpx.Response:
        last = "no attempt"
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.get(url, params=params, headers=self._headers)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in _RETRYABLE or response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code == 200 or response.status_code in GONE:
                return response
            raise FetchFailed(f"GET {url}: HTTP {response.status_code}")
        raise FetchFailed(f"GET {url}: {last} after {self._attempts} attempts")


def _json(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise FetchFailed(f"GET {url}: the answer is not JSON") from None


def http_client(timeout: float = 10.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"Accept": "application/ld+json, application/json"},
        follow_redirects=True,
    )
