"""What /ops/ingestion shows: the quarantine, unknown organizers, place disagreements and
dead letters through GraphQL; the consumers' lag and the poller's sync from the services'
ops reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web import queries, reads
from gateway.ops_web.queries import Executor
from gateway.ops_web.views import Page, problem
from gateway.schema.scopes import QUARANTINE


async def ingestion_page(page: Page, executor: Executor, upstream_token: str) -> dict[str, Any]:
    """Quarantine and dead letters through GraphQL; the consumers' lag and the poller's
    sync from the services' ops reads, which the gateway calls with the platform's token,
    so it checks the caller's `quarantine` scope itself, as GraphQL would."""
    allowed = QUARANTINE in page.caller.scopes
    upstreams = page.upstreams
    answer, activities_lag, subsidy_lag, poller = await asyncio.gather(
        page.ask(executor, queries.INGESTION),
        reads.consumer_lag(upstreams.activities, "activities", upstream_token),
        reads.consumer_lag(upstreams.subsidy, "subsidy", upstream_token),
        reads.poller_status(upstreams.activities, upstream_token),
        return_exceptions=True,
    )
    if isinstance(answer, BaseException):
        raise answer
    denied = page.words["no_access"].format(scope=QUARANTINE)

    def shown(found: object) -> tuple[Any, str | None]:
        if not allowed:
            return None, denied
        if isinstance(found, UpstreamError):
            return None, problem(page, str(found))
        if isinstance(found, BaseException):
            raise found
        return found, None

    lags = [
        (name, *shown(found))
        for name, found in (("activities", activities_lag), ("subsidy", subsidy_lag))
    ]
    cursors, poller_error = shown(poller)
    return {
        "quarantine": answer.data.get("quarantine"),
        "quarantine_error": problem(page, answer.error("quarantine")),
        "unknown_organizers": answer.data.get("unknownOrganizers"),
        "unknown_organizers_error": problem(page, answer.error("unknownOrganizers")),
        "place_disagreements": answer.data.get("placeDisagreements"),
        "place_disagreements_error": problem(page, answer.error("placeDisagreements")),
        "dead_letters": [
            {
                "service": service,
                "items": answer.data.get(f"{service}DeadLetters"),
                "error": problem(page, answer.error(f"{service}DeadLetters")),
            }
            for service in ("activities", "subsidy")
        ],
        "lags": [{"service": name, "lag": lag, "error": error} for name, lag, error in lags],
        "poller": cursors,
        "poller_error": poller_error,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
