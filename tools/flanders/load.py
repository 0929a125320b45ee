"""Loading the synthetic Flanders through the platform's real intake: the registry's REST
API (academies with their organizer, recognition decisions, roles, participant reports) and
the activities service's signed webhook (Standard Webhooks), one document per delivery.
No database is touched. Idempotent: what the registry already holds is left as it is, and a
document goes under a fixed webhook-id, so a second load is answered "duplicate"."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from activities.config import DEV_WEBHOOK_SECRET
from stemkit.settings import DEV_CLI_TOKEN, DEV_OPS_TOKEN
from tools.flanders import documents
from tools.flanders.plan import Plan
from tools.flanders.reference import Reference
from tools.flanders.registry import AUTHOR, Academy
from tools.send_webhook import signed_headers

RETRIES = 5


@dataclass
class Endpoints:
    registry: str = "http://127.0.0.1:8001"
    activities: str = "http://127.0.0.1:8002"
    subsidy: str = "http://127.0.0.1:8003"
    ops_token: str = field(default_factory=lambda: os.environ.get("STEM_OPS_TOKEN", DEV_OPS_TOKEN))
    cli_token: str = field(default_factory=lambda: os.environ.get("STEM_CLI_TOKEN", DEV_CLI_TOKEN))
    secret: str = field(
        default_factory=lambda: (
            (os.environ.get("ACTIVITIES_WEBHOOK_SECRETS") or DEV_WEBHOOK_SECRET)
            .split(",")[0]
            .strip()
        )
    )

    @property
    def webhook(self) -> str:
        return f"{self.activities}/webhooks/uitdatabank"


@dataclass
class Timings:
    registry_s: float = 0.0
    documents_s: float = 0.0
    catch_up_s: float | None = None
    outcomes: Counter[str] = field(default_factory=Counter)


async def _call(client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response:
    """One call, retried on a connection error, 429 or 5xx (a busy machine)."""
    for attempt in range(RETRIES):
        try:
            response = await client.request(method, url, **kw)
        except httpx.TransportError:
            if attempt == RETRIES - 1:
                raise
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            if attempt == RETRIES - 1:
                return response
        await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def _ok(response: httpx.Response, what: str) -> Any:
    if not response.is_success:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:300]}")
    return response.json()


async def wait_for(endpoints: Endpoints, within: float = 180) -> None:
    """Until the registry, activities and subsidy APIs answer /healthz."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        for base in (endpoints.registry, endpoints.activities, endpoints.subsidy):
            while True:
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{base} did not answer /healthz within {within:.0f} s")
                await asyncio.sleep(0.5)


async def existing_academies(client: httpx.AsyncClient, base: str) -> dict[str, str]:
    """name -> id of the demo academies the registry holds."""
    found: dict[str, str] = {}
    params: dict[str, Any] = {"demo": "true", "limit": 500}
    while True:
        response = await _call(client, "GET", f"{base}/academies", params=params)
        for academy in _ok(response, "listing academies"):
            found[academy["name"]] = academy["id"]
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            return found
        params["cursor"] = cursor


async def register(
    client: httpx.AsyncClient, base: str, academy: Academy, known: dict[str, str]
) -> str:
    """The academy, its recognition decisions, roles and reports; what is there stays."""
    academy_id = known.get(academy.name)
    if academy_id is None:
        body = {
            "name": academy.name,
            "demo": True,
            "uit_organizer_ids": [academy.organizer_id],
            "home_nis_code": academy.home,
            "website": f"https://example.org/demo/{academy.slug}",
            "contact_email": f"demo-{academy.slug}@example.org",
        }
        if academy.partnership:
            body["stem_partnership"] = academy.partnership
        response = await _call(client, "POST", f"{base}/academies", json=body)
        academy_id = _ok(response, f"registering {academy.name}")["id"]
    url = f"{base}/academies/{academy_id}"
    history = _ok(await _call(client, "GET", f"{url}/recognition"), "recognition")["history"]
    for decision in academy.decisions[len(history) :]:
        body = {
            "status": decision.status,
            "decided_on": decision.decided_on.isoformat(),
            "valid_from": decision.valid_from.isoformat(),
            "reason": f"[DEMO] {decision.reason}",
            "author": AUTHOR,
        }
        _ok(
            await _call(client, "POST", f"{url}/recognition", json=body), f"{academy.name} decision"
        )
    for year, role in academy.roles:
        _ok(await _call(client, "PUT", f"{url}/roles/{year}/{role}"), f"{academy.name} role")
    reports = _ok(await _call(client, "GET", f"{url}/participant-reports"), "reports")
    reported = {(r["year"], r["quarter"]) for r in reports}
    for year, quarter, participants, under in academy.reports:
        if (year, quarter) in reported:
            continue
        body = {
            "year": year,
            "quarter": quarter,
            "participants": participants,
            "under_14": under,
            "from_14": None if under is None else participants - under,
            "reported_on": f"{year + 1}-02-15"
            if quarter is None
            else f"{year}-{3 * quarter:02d}-28",
        }
        _ok(await _call(client, "POST", f"{url}/participant-reports", json=body), "report")
    return academy_id


async def _pool(jobs: list[Callable[[], Awaitable[None]]], width: int) -> None:
    queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            await job()

    await asyncio.gather(*(worker() for _ in range(width)))


async def load(
    plan: Plan,
    ref: Reference,
    endpoints: Endpoints,
    console: Console,
    *,
    width: int = 12,
    wait_reach: float | None = None,
) -> Timings:
    timings = Timings()
    docs = documents.all_documents(plan, ref)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    ops = {"Authorization": f"Bearer {endpoints.ops_token}"}
    limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
    async with httpx.AsyncClient(timeout=30, headers=ops, limits=limits) as client:
        with Progress(*columns, console=console, transient=False) as progress:
            started = time.monotonic()
            known = await existing_academies(client, endpoints.registry)
            bar = progress.add_task("[DEMO] academies -> registry API", total=len(plan.academies))

            def academy_job(academy: Academy) -> Callable[[], Awaitable[None]]:
                async def job() -> None:
                    await register(client, endpoints.registry, academy, known)
                    progress.advance(bar)

                return job

            await _pool([academy_job(a) for a in plan.academies], 8)
            timings.registry_s = time.monotonic() - started

            started = time.monotonic()
            bar = progress.add_task("UiTdatabank documents -> webhook", total=len(docs))

            def document_job(
                event_id: str, version: int, doc: dict[str, Any]
            ) -> Callable[[], Awaitable[None]]:
                body = json.dumps(doc, ensure_ascii=False)

                async def job() -> None:
                    msg_id = f"flanders-{event_id}-v{version}"
                    headers = signed_headers(endpoints.secret, body, msg_id)
                    response = await _call(
                        client, "POST", endpoints.webhook, content=body.encode(), headers=headers
                    )
                    timings.outcomes[str(response.status_code)] += 1
                    if response.status_code not in (200, 202):
                        raise RuntimeError(
                            f"webhook {msg_id}: {response.status_code} {response.text[:300]}"
                        )
                    progress.advance(bar)

                return job

            # First versions before later ones: an update is sent after what it updates.
            first = [document_job(*d) for d in docs if d[1] == 1]
            later = [document_job(*d) for d in docs if d[1] == 2]
            await _pool(first, width)
            await _pool(later, width)
            timings.documents_s = time.monotonic() - started

        if wait_reach is not None:
            started = time.monotonic()
            await caught_up(plan, ref, endpoints, wait_reach)
            timings.catch_up_s = time.monotonic() - started
    return timings


async def coverage(client: httpx.AsyncClient, endpoints: Endpoints, year: int) -> dict[str, int]:
    response = await _call(client, "GET", f"{endpoints.subsidy}/coverage", params={"year": year})
    found = _ok(response, f"coverage {year}")
    return {p["province"]: p["reached"] for p in found["provinces"]}


async def caught_up(plan: Plan, ref: Reference, endpoints: Endpoints, within: float) -> None:
    """Until the subsidy service's coverage of every year holds the plan's figures (at least:
    a document sent by hand on top, as the README's slice, may reach one more)."""
    want = plan.figures(ref)
    deadline = time.monotonic() + within
    headers = {"Authorization": f"Bearer {endpoints.cli_token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        while True:
            seen = {year: await coverage(client, endpoints, year) for year in sorted(want)}
            if all(seen[y].get(p, 0) >= n for y in want for p, n in want[y].items()):
                return
            if time.monotonic() > deadline:
                wrong = {y: (seen[y], want[y]) for y in want if seen[y] != want[y]}
                raise TimeoutError(f"coverage (seen, planned) after {within:.0f} s: {wrong}")
            await asyncio.sleep(2)
