"""The Search API v3 poller (uitdatabank.md §13): backfill and reconcile what pushes missed.

Per kind, from a persisted `modified` cursor minus an overlap window, sorted by
`modified` ascending, with `disableDefaultFilters=true` (so DRAFT, DELETED and REJECTED
are seen too) and `embed=true` (whole documents). Within UiTdatabank's paging limits
(start <= 10,000, limit <= 2,000) it pages by `start`, and moves the `modifiedFrom`
window forward (keyset) before `start` would pass the limit. Scope: events of the
organizers the registry links to academies, the places of stored activities, and those
organizers. Every member becomes a delivery keyed on (kind, id, modified): the overlap
re-reads items, the key makes that harmless, and the worker processes them.

History per organizer (issue 15): the event cursor only reads forward, so an organizer
linked to an academy later (the registry's event, `poll_state.request_history`) gets its
own pull, `organizerId=<id>` from its own cursor (the beginning), read to the end in one
round; then it is caught up and the event kind's cursor covers it. A pull that fails is
tried again next round.

A page over the size limit (`ACTIVITIES_UITDATABANK_SEARCH_MAX_BYTES`) is asked again
in halves; a single member over it is recorded in quarantine with where it was, and the
paging goes on (more than 10 in a row: the kind's round fails, the limit is wrong).

Containment: a member the poller cannot key (no id, not an object, anything raised while
reading it) is still recorded, keyed on its content, so the worker quarantines it with
the reason (or processes it, if it is a document after all); the rest of the page and the
cursor go on. A kind whose round fails (a search that keeps failing, a malformed page) is
logged and tried again next round, the other kinds go on, and
`stem_poller_last_success_timestamp_seconds{kind}` shows when each kind last completed.

Replicas: only the holder of the `poller` lease polls; another replica stands by and takes
over when the lease is given up or expires (`run_poller`, ADR 0018).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.adapters import delivery_store, leases, poll_state
from activities.adapters.uit_client import AnswerTooLarge
from activities.domain import jsonld
from activities.domain.documents import Kind
from stemkit.domain.uit import resource_id
from stemkit.eventing.runner import sleep_or_stop

log = logging.getLogger(__name__)

LAST_SUCCESS = Gauge(
    "stem_poller_last_success_timestamp_seconds",
    "When a poller round for this kind last completed without error (Unix time)",
    ["kind"],
)
MAX_START = 10_000
EPOCH = poll_state.BEGINNING
IDS_PER_QUERY = 50
MAX_TOO_LARGE_IN_A_ROW = 10


class Searcher(Protocol):
    async def search(self, url: str, params: Mapping[str, Any]) -> Mapping[str, Any]: ...


async def poll_all(
    sessions: async_sessionmaker[AsyncSession],
    searcher: Searcher,
    base_url: str,
    *,
    overlap: timedelta = timedelta(minutes=5),
    page_size: int = 200,
) -> dict[Kind, int]:
    """One round over events, places and organizers; returns new deliveries per kind."""
    async with sessions() as session:
        organizers = await poll_state.linked_organizer_ids(session)
        places = await poll_state.place_ids(session)
    scopes: dict[Kind, list[dict[str, str]]] = {
        "event": [{"organizerId": organizer} for organizer in organizers],
        "place": [{"q": _ids_query(chunk)} for chunk in _chunks(places)],
        "organizer": [{"q": _ids_query(chunk)} for chunk in _chunks(organizers)],
    }
    found: dict[Kind, int] = {}
    found["event"] = await pull_histories(
        sessions, searcher, base_url, overlap=overlap, page_size=page_size
    )
    for kind, scope in scopes.items():
        try:
            found[kind] = found.get(kind, 0) + await poll_kind(
                sessions, searcher, base_url, kind, scope, overlap=overlap, page_size=page_size
            )
        except Exception:  # this kind again next round; the others go on
            log.exception("poller: the %s round failed", kind)
            continue
        LAST_SUCCESS.labels(kind).set(time.time())
    return found


async def pull_histories(
    sessions: async_sessionmaker[AsyncSession],
    searcher: Searcher,
    base_url: str,
    *,
    overlap: timedelta,
    page_size: int,
) -> int:
    """The whole history of each organizer linked since its last pull; new deliveries."""
    async with sessions() as session:
        pending = await poll_state.pending_history(session)
    recorded = 0
    for pull in pending:
        try:
            recorded += await poll_kind(
                sessions,
                searcher,
                base_url,
                "event",
                [{"organizerId": pull.organizer_id}],
                overlap=overlap,
                page_size=page_size,
                history=pull,
            )
        except Exception:  # this organizer again next round; the others go on
            log.exception("poller: the history of organizer %s failed", pull.organizer_id)
            continue
        log.info("poller: organizer %s caught up", pull.organizer_id)
    return recorded


async def poll_kind(
    sessions: async_sessionmaker[AsyncSession],
    searcher: Searcher,
    base_url: str,
    kind: Kind,
    scope: list[dict[str, str]],
    *,
    overlap: timedelta,
    page_size: int,
    history: poll_state.HistoryPull | None = None,
) -> int:
    """Read `scope` from the kind's cursor (or, for `history`, the organizer's own) to
    the end, then move that cursor."""
    if history is not None:
        cursor = history.cursor
    else:
        async with sessions() as session:
            cursor = await poll_state.cursor(session, kind) or EPOCH
    newest, recorded = cursor, 0
    for filters in scope:
        window_start = cursor - overlap
        start, size, alone_too_large = 0, page_size, 0
        while True:
            params = {
                **filters,
                "disableDefaultFilters": "true",
                "embed": "true",
                "sort[modified]": "asc",
                "modifiedFrom": window_start.isoformat(),
                "start": str(start),
                "limit": str(size),
            }
            try:
                page = await searcher.search(f"{base_url.rstrip('/')}/{kind}s", params)
            except AnswerTooLarge as exc:
                if size > 1:  # the same members in smaller pages
                    size = max(1, size // 2)
                    log.warning("poller: %s; asking %d %ss a page", exc, size, kind)
                    continue
                # One member larger than a page may be: charged to it, the rest goes on.
                alone_too_large += 1
                if alone_too_large > MAX_TOO_LARGE_IN_A_ROW:  # the limit, not the members
                    raise RuntimeError(
                        f"{alone_too_large} {kind}s in a row each over the search size limit"
                    ) from exc
                await _record_too_large(sessions, kind, window_start, start, str(exc))
                recorded += 1
                start += 1
                continue
            alone_too_large = 0
            members = page.get("member") or []
            if not isinstance(members, list):
                raise ValueError(f"a {kind}s search page whose member is not a list")
            last = await _record(sessions, kind, members)
            recorded += last[1]
            if last[0] is not None:
                newest = max(newest, last[0])
            if len(members) < size:
                break
            start += size
            if start + size > MAX_START:  # keyset: move the window, not the offset
                if last[0] is None or last[0] <= window_start:
                    log.warning("poller: over %d %ss share one modified; skipping", MAX_START, kind)
                    break
                window_start, start = last[0], 0
    async with sessions.begin() as session:
        if history is not None:
            await poll_state.history_caught_up(session, history, newest)
        else:
            await poll_state.advance(session, kind, newest)
    return recorded


async def _record(
    sessions: async_sessionmaker[AsyncSession], kind: Kind, members: list[Any]
) -> tuple[datetime | None, int]:
    last, recorded = None, 0
    async with sessions.begin() as session:
        for member in members:
            body = json.dumps(member)  # parsed from JSON: it serialises again
            key, changed = _keyed(kind, member, body)
            if await delivery_store.record(session, key, body, "poller"):
                recorded += 1
            if changed is not None:
                last = changed if last is None else max(last, changed)
    return last, recorded


async def _record_too_large(
    sessions: async_sessionmaker[AsyncSession],
    kind: Kind,
    window_start: datetime,
    start: int,
    error: str,
) -> None:
    """A search result too large to read even alone: in quarantine with the reason and
    where it was (it cannot be stored: it was never read)."""
    where = {"kind": kind, "modifiedFrom": window_start.isoformat(), "start": start}
    key = f"poll:{kind}:too-large:{window_start.isoformat()}:{start}"
    async with sessions.begin() as session:
        await delivery_store.record(session, key[:255], json.dumps(where), "poller", error=error)


def _keyed(kind: Kind, member: Any, body: str) -> tuple[str, datetime | None]:
    """A member's delivery key and its date of change. One the poller cannot read is keyed
    on its content, so it is recorded all the same (once) and the worker decides."""
    try:
        item_id = resource_id(member.get("@id"), kind)
        changed = jsonld.moment(member.get("modified")) or jsonld.moment(member.get("created"))
    except Exception as exc:
        log.warning(
            "poller: a %s search result it cannot read (%s: %s)", kind, type(exc).__name__, exc
        )
        item_id, changed = None, None
    if item_id is None:
        return f"poll:{kind}:content:{hashlib.sha256(body.encode()).hexdigest()[:40]}", changed
    return f"poll:{kind}:{item_id}:{changed.isoformat() if changed else 'none'}"[:255], changed


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + IDS_PER_QUERY] for i in range(0, len(ids), IDS_PER_QUERY)]


def _ids_query(ids: list[str]) -> str:
    return "id:(" + " OR ".join(ids) + ")"


POLLER_LEASE = "poller"
# This process's poller, as the lease names it.
POLLER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def run_poller(
    sessions: async_sessionmaker[AsyncSession],
    searcher: Searcher,
    base_url: str,
    stop: asyncio.Event,
    *,
    interval: float,
    overlap: timedelta,
    page_size: int,
    holder: str = POLLER_ID,
    lease_seconds: float | None = None,
) -> None:
    """Poll every `interval` seconds until `stop`; a failed round is logged and retried.

    Only the replica that holds the `poller` lease polls (ADR 0018): it renews the lease
    every third of `lease_seconds` while it runs (also during a long round) and gives it
    up when stopped; another replica looks every `interval` (at most a third of the lease)
    and takes over once the lease is free or has expired.
    """
    seconds = lease_seconds if lease_seconds is not None else max(30.0, 3 * interval)
    active: bool | None = None  # not known yet: the first look is logged either way
    try:
        while not stop.is_set():
            holding = await _hold(sessions, holder, seconds)
            if holding != active:
                active = holding
                log.info(
                    "poller: lease taken, polling"
                    if active
                    else "poller: another replica holds the lease, standing by"
                )
            if active:
                renewing = asyncio.create_task(_keep(sessions, holder, seconds, stop))
                try:
                    found = await poll_all(
                        sessions, searcher, base_url, overlap=overlap, page_size=page_size
                    )
                    log.info("poller: new deliveries %s", found)
                except Exception:
                    log.exception("poller: round failed")
                finally:
                    renewing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await renewing
            wait = interval if active else min(interval, seconds / 3)
            if await sleep_or_stop(stop, wait):
                break
    finally:
        if active:
            with contextlib.suppress(Exception):
                async with sessions.begin() as session:
                    await leases.release(session, POLLER_LEASE, holder)


async def _hold(sessions: async_sessionmaker[AsyncSession], holder: str, seconds: float) -> bool:
    try:
        async with sessions.begin() as session:
            return await leases.take(session, POLLER_LEASE, holder, seconds)
    except Exception:
        log.warning("poller: cannot take the lease", exc_info=True)
        return False


async def _keep(
    sessions: async_sessionmaker[AsyncSession], holder: str, seconds: float, stop: asyncio.Event
) -> None:
    """Renew the lease during a round, every third of its length."""
    while not await sleep_or_stop(stop, seconds / 3):
        if not await _hold(sessions, holder, seconds):
            log.warning("poller: lost the lease during a round")
