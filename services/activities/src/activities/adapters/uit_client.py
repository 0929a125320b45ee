"""Reading UiTdatabank over HTTP: Entry API documents by IRI, and Search API v3 pages.

Every call is bounded: the host allow-list and the scheme (`https`; `http` too only in
development and tests, for the local stand-in) are checked on the first URL and on every
redirect hop (followed here, at most `max_redirects`); the answer is read as a stream and
refused past `max_bytes`; the whole call, retries included, ends after `deadline` seconds.
Retries with exponential backoff on transport errors, 429 and 5xx; 404 and 410 mean the
item is gone (a deleted event is a soft delete with a document, so these are items that
never existed or were purged).

Two failures: `FetchRefused` can never work as asked (quarantine at once); `FetchFailed`
may work later, and says whether UiTdatabank itself looked unreachable (an outage: waited
out, not charged to the delivery) or the answer for this item was bad.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

GONE = (404, 410)
_RETRYABLE = (408, 425, 429)
# UiTdatabank (or what is in front of it) is down or shedding load, whatever the item.
_OUTAGE = (429, 502, 503, 504)
DEFAULT_HOSTS = ("io.uitdatabank.be", "io-test.uitdatabank.be")
# As large as the webhook's body limit (ACTIVITIES_WEBHOOK_MAX_BODY_BYTES): a document
# fetched may be as large as one posted, no larger.
DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_SEARCH_MAX_BYTES = 64 * 1024 * 1024  # one page of up to 2,000 embedded documents
DEFAULT_DEADLINE = 10.0
MAX_REDIRECTS = 3


class FetchFailed(Exception):
    """No usable answer after the retries; the caller tries again later. `unreachable`:
    UiTdatabank could not be reached or answered 429/502/503/504 every time (an outage,
    not this item's fault)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class FetchRefused(Exception):
    """Never fetched, or not used, and asking again cannot help: not a URL, not an allowed
    host or scheme (a signed body could otherwise make this service call any address), a
    redirect off the allowed hosts, or an answer over the size limit."""


class AnswerTooLarge(FetchRefused):
    """The answer passed the size limit (the poller asks for smaller pages)."""


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
        allow_http: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        search_max_bytes: int = DEFAULT_SEARCH_MAX_BYTES,
        deadline: float = DEFAULT_DEADLINE,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self._hosts = frozenset(h.lower() for h in hosts)
        self._schemes = ("https", "http") if allow_http else ("https",)
        self._client = client
        self._attempts = attempts
        self._backoff = backoff
        self._headers = dict(headers or {})
        self._max_bytes = max_bytes
        self._search_max_bytes = search_max_bytes
        self._deadline = deadline
        self._max_redirects = max_redirects

    async def fetch(self, iri: str) -> Fetched:
        """`GET {iri}` as publiq's own consumer does (uitdatabank.md §13)."""
        status, body = await self._get(iri, {"includeMetadata": "true"}, self._max_bytes)
        if status in GONE:
            return Fetched(gone_status=status)
        return Fetched(document=_json(body, iri))

    async def search(self, url: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """One Search API page (`{totalItems, member: [...]}`)."""
        status, body = await self._get(url, params, self._search_max_bytes)
        if status != 200:
            raise FetchFailed(f"GET {url}: HTTP {status}")
        page = _json(body, url)
        if not isinstance(page, Mapping):
            raise FetchFailed(f"GET {url}: not a search result page")
        return page

    def _checked(self, url: str) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchRefused(f"{url!r} is not a valid URL ({exc})") from None
        if parsed.scheme not in self._schemes:
            raise FetchRefused(
                f"{url}: scheme {parsed.scheme!r} is not allowed (https only outside development)"
            )
        if parsed.host.lower() not in self._hosts:
            raise FetchRefused(f"{url}: host {parsed.host!r} is not an allowed UiTdatabank host")
        return parsed

    async def _get(self, url: str, params: Mapping[str, Any], limit: int) -> tuple[int, bytes]:
        """The status and body of `GET url` (200 or gone), within the deadline."""
        self._checked(url)
        try:
            async with asyncio.timeout(self._deadline):
                return await self._get_with_retries(url, params, limit)
        except TimeoutError:
            raise FetchFailed(f"GET {url}: no whole answer within {self._deadline:g} s") from None

    async def _get_with_retries(
        self, url: str, params: Mapping[str, Any], limit: int
    ) -> tuple[int, bytes]:
        last, unreachable = "no attempt", True
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                status, body = await self._follow(url, params, limit)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nobody answers
                last = f"{type(exc).__name__}: {exc}"
                continue
            except httpx.HTTPError as exc:
                last, unreachable = f"{type(exc).__name__}: {exc}", False
                continue
            if status in _RETRYABLE or status >= 500:
                last, unreachable = f"HTTP {status}", unreachable and status in _OUTAGE
                continue
            if status == 200 or status in GONE:
                return status, body
            raise FetchFailed(f"GET {url}: HTTP {status}")
        raise FetchFailed(
            f"GET {url}: {last} after {self._attempts} attempts", unreachable=unreachable
        )

    async def _follow(
        self, url: str, params: Mapping[str, Any] | None, limit: int
    ) -> tuple[int, bytes]:
        """One GET, following redirects only to allowed hosts and schemes."""
        target = self._checked(url)
        for _ in range(self._max_redirects + 1):
            try:
                request = self._client.build_request(
                    "GET", target, params=params, headers=self._headers
                )
            except httpx.InvalidURL as exc:
                raise FetchRefused(f"{url!r} is not a valid URL ({exc})") from None
            response = await self._client.send(request, stream=True, follow_redirects=False)
            try:
                if response.is_redirect:
                    location = response.headers["location"]
                    try:
                        next_url = str(response.url.join(location))
                    except httpx.InvalidURL as exc:
                        raise FetchRefused(
                            f"GET {url}: redirected to {location!r} ({exc})"
                        ) from None
                    target, params = self._checked(next_url), None
                    continue
                if response.status_code != 200:
                    return response.status_code, b""
                return 200, await _read(response, limit, url)
            finally:
                await response.aclose()
        raise FetchRefused(f"GET {url}: more than {self._max_redirects} redirects")


async def _read(response: httpx.Response, limit: int, url: str) -> bytes:
    """The (decoded) body, refused as soon as it passes `limit` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(f"GET {url}: the answer is {declared} bytes, over {limit}")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise AnswerTooLarge(f"GET {url}: the answer is over {limit} bytes")
    return bytes(body)


def _json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise FetchRefused(f"GET {url}: the answer is JSON nested too deeply") from None
    except UnicodeDecodeError as exc:  # the document itself is broken: asking again won't help
        raise FetchRefused(f"GET {url}: the answer is not UTF-8 ({exc})") from None
    except ValueError:  # e.g. an error page of a proxy: may pass
        raise FetchFailed(f"GET {url}: the answer is not JSON") from None


def http_client(timeout: float = 10.0) -> httpx.AsyncClient:
    """Redirects are followed by `UitClient` itself (every hop checked), never by httpx."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"Accept": "application/ld+json, application/json"},
        follow_redirects=False,
    )
