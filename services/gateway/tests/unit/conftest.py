"""The gateway in front of in-process fakes of the registry, activities and subsidy read APIs.

The fakes are small FastAPI apps of our own with the upstreams' batch endpoints, reached
through `httpx.ASGITransport` (no network). Fixtures only, no shared imports: test folders
are not packages. `calls` counts data requests per upstream; put a name in `down` to make
that upstream refuse connections.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.datastructures import QueryParams

from gateway.config import Settings
from gateway.entrypoints.api import create_app

PARTNER_KEY = "partner-key-for-tests"
OPS_TOKEN = "ops-token-for-tests"
# What the gateway presents upstream (its own service token); the fakes' ops reads check it.
GATEWAY_TOKEN = "gateway-service-token-for-tests"
ACADEMIES = [
    {"id": f"acad-{n}", "name": f"[DEMO] Academy {n}", "uit_organizer_ids": [], "demo": True}
    for n in range(3)
]
ACTIVITIES: list[dict[str, Any]] = [
    {
        "activity_id": f"act-{n}",
        "name": f"Robots bouwen {n}",
        "organizer_id": f"org-{n % 3}",
        "academy_id": f"acad-{n % 3}",
        "occurrences": [{"start": f"2024-{3 + n % 3:02d}-02T14:00:00+01:00", "end": None}],
        "location": {
            "name": "De Krook",
            "postal_code": "9000",
            "locality": "Gent",
            "country": "BE",
            "nis_code": "44021" if n % 2 == 0 else "11002",
            "place_id": "p-1",
        },
        "theme_ids": [f"theme-{n % 4}"],
        "status": "available",
        "public": True,
        "age_min": 6 if n % 2 == 0 else 12,
        "age_max": 12 if n % 2 == 0 else 18,
        "modified": f"2024-01-01T00:{n % 60:02d}:00+00:00",
    }
    for n in range(120)
]
# act-1 carries the partner details (issue 18); act-2 is a weekly course (compact calendar).
ACTIVITIES[1]["occurrences"][0]["end"] = "2024-04-02T16:00:00+01:00"
ACTIVITIES[1]["location"] |= {
    "street_address": "Miriam Makebaplein 1",
    "latitude": 51.0486,
    "longitude": 3.7273,
    "kind": "place",
}
ACTIVITIES[1]["details"] = {
    "main_language": "nl",
    "languages": ["nl", "fr"],
    "names": {"nl": "Robots bouwen 1", "fr": "Construire des robots 1"},
    "descriptions": {
        "nl": "<p>Bouw een <strong>robot</strong>.</p><p>Voor 6 tot 12 jaar.</p>",
        "fr": "<p>Construis un robot.</p>",
    },
    "status_reason": {"nl": "Zaal in renovatie"},
    "images": [
        {
            "url": "https://images.uitdatabank.be/robot.jpg",
            "thumbnail_url": "https://images.uitdatabank.be/robot-thumb.jpg",
            "copyright_holder": "STEM-academie Gent",
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "description": "Kinderen met een robot",
            "language": "nl",
            "main": True,
        }
    ],
    "booking": {
        "url": "https://tickets.example.be/robots",
        "url_label": {"nl": "Schrijf je in", "fr": "Inscris-toi"},
        "phone": "+32 9 123 45 67",
        "email": "info@academie.example",
        "available_from": "2024-01-15T00:00:00+01:00",
        "available_to": "2024-03-31T23:59:00+02:00",
    },
    "booking_availability": "available",
    "price": {
        "free": False,
        "categories": [
            {"category": "base", "name": {"nl": "Basistarief"}, "price": 12.5, "currency": "EUR"},
            {"category": "uitpas", "name": {"nl": "UiTPAS"}, "price": 2.5, "currency": "EUR"},
        ],
    },
    "uit_url": "https://www.uitinvlaanderen.be/agenda/e/robots-bouwen-1/act-1",
    "same_as": ["https://www.uitinvlaanderen.be/agenda/e/robots-bouwen-1/act-1"],
    "attendance_mode": "offline",
    "facilities": [{"id": "3.23.1.0.0", "label": "Rolstoeltoegankelijk"}],
    "organizer": {
        "name": "STEM-academie Gent vzw",
        "url": "https://academie.example",
        "emails": ["info@academie.example"],
        "phones": ["09 123 45 67"],
    },
    "performers": ["Robotjuf An"],
}
ACTIVITIES[2]["calendar"] = {
    "type": "periodic",
    "period": {"first": "2024-09-04", "last": "2024-10-30"},
    "opening_hours": [{"day_of_week": ["wednesday"], "opens": "14:00", "closes": "16:00"}],
    "closed_days": [{"first": "2024-10-02", "last": "2024-10-02"}],
}
MUNICIPALITIES = [
    {"nis_code": "44021", "name_nl": "Gent", "province_nl": "Oost-Vlaanderen"},
    {"nis_code": "11002", "name_nl": "Antwerpen", "province_nl": "Antwerpen"},
    {"nis_code": "71022", "name_nl": "Hasselt", "province_nl": "Limburg"},
]
DECISIONS = [
    {
        "decision_id": "d-1",
        "academy_id": "acad-1",
        "sequence": 1,
        "status": "recognised",
        "decided_on": "2023-01-01",
        "valid_from": "2023-01-01",
        "valid_until": "2025-12-31",
        "reason": "first recognition",
    }
]
REPORTS = [
    {
        "report_id": "r-1",
        "academy_id": "acad-1",
        "year": 2024,
        "quarter": None,
        "participants": 40,
        "under_14": 30,
        "from_14": 10,
        "reported_on": "2025-01-15",
        "supersedes": None,
        "superseded_by": None,
    }
]
COVERAGE = {
    "reached": 2,
    "total": 3,
    "provinces": [
        {
            "province": "Oost-Vlaanderen",
            "reached": 1,
            "total": 1,
            "reached_nis_codes": ["44021"],
            "not_reached_nis_codes": [],
        },
        {
            "province": "Antwerpen",
            "reached": 1,
            "total": 1,
            "reached_nis_codes": ["11002"],
            "not_reached_nis_codes": [],
        },
        {
            "province": "Limburg",
            "reached": 0,
            "total": 1,
            "reached_nis_codes": [],
            "not_reached_nis_codes": ["71022"],
        },
    ],
}
NOT_REACHED = [
    {
        "nis_code": "71022",
        "name": "Hasselt",
        "province": "Limburg",
        "nearest_active_academies": [{"academy_id": "acad-0", "name": "A0", "km": 12.5}],
    }
]
# Why Hasselt is not reached in 2024 and what follows (the registry's follow-ups, Q2b/c).
FOLLOW_UPS = [
    {
        "nis_code": "71022",
        "year": 2024,
        "reason": "no_local_partner",
        "explanation": "geen zaal vrij",
        "initiative": "netwerkdag Limburg",
        "no_initiative_reason": None,
        "author": "VLAIO ops",
        "recorded_at": "2024-10-01T09:00:00+00:00",
    }
]
SUBSIDIES = [
    {
        "run_id": "run-2",
        "year": 2024,
        "academy_id": "acad-0",
        "role": "uitroller",
        "call_id": "call-1",
        "paid_eur": "1500.00",
        "illustrative": True,
    }
]
RUNS = [
    {
        "run_id": "run-1",
        "year": 2024,
        "created_at": "2025-01-01T00:00:00+00:00",
        "trigger": "ops",
        "rules_version": "2024.1",
        "watermark": "w",
        "result": {},
    },
]
REACH = [
    {"academy_id": "acad-0", "year": 2023, "nis_code": "44021", "activity_ids": ["act-0"]},
    {"academy_id": "acad-0", "year": 2024, "nis_code": "11002", "activity_ids": ["act-3"]},
    {"academy_id": "acad-2", "year": 2024, "nis_code": "11002", "activity_ids": ["act-5"]},
    {"academy_id": "acad-1", "year": 2024, "nis_code": "44021", "activity_ids": ["act-4"]},
]


DEAD_LETTERS: list[dict[str, Any]] = [
    {
        "topic": "stem.x.dlq.v1",
        "partition": 0,
        "offset": 7,
        "timestamp": "2026-01-02T00:00:01+00:00",
        "document": {
            "dead_lettered_at": "2026-01-02T00:00:00+00:00",
            "attempts": 5,
            "reason": {"type": "ValueError", "message": "no such municipality"},
            "event_id": "ev-1",
            "original": {
                "topic": "stem.registry.academy.v1",
                "partition": 2,
                "offset": 41,
                "timestamp": 0,
                "key": {"text": "acad-1"},
                "value": {"text": "{}"},
                "headers": [],
            },
        },
    },
    {
        "topic": "stem.x.dlq.v1",
        "partition": 1,
        "offset": 3,
        "timestamp": "2026-01-01T00:00:00+00:00",
        "document": {"unparseable": "not json"},
    },
]


def _ids(raw: str) -> list[str]:
    return [i for i in raw.split(",") if i]


def _matches(activity: dict[str, Any], params: QueryParams) -> bool:
    start = activity["occurrences"][0]["start"]
    place = activity["location"]["nis_code"]
    province = {m["nis_code"]: m["province_nl"] for m in MUNICIPALITIES}.get(place)
    return all(
        [
            params.get("from", "") <= start,
            start <= params.get("to", "9999"),
            params.get("province") in (None, province),
            not params.getlist("nis_code") or place in params.getlist("nis_code"),
            params.get("academy_id") in (None, activity["academy_id"]),
            not params.getlist("theme_id")
            or bool(set(params.getlist("theme_id")) & set(activity["theme_ids"])),
            "age" not in params or activity["age_min"] <= int(params["age"]) <= activity["age_max"],
            params.get("q", "").lower() in activity["name"].lower(),
        ]
    )


def listing(params: QueryParams) -> dict[str, Any]:
    """The activities service's listing: filters, (start, id) order, an offset cursor."""
    found = sorted(
        (a for a in ACTIVITIES if _matches(a, params)),
        key=lambda a: (a["occurrences"][0]["start"], a["activity_id"]),
    )
    start, limit = int(params.get("cursor", 0)), int(params.get("limit", 50))
    following = str(start + limit) if start + limit < len(found) else None
    return {"items": found[start : start + limit], "next_cursor": following}


ROLES = {("acad-1", 2024): ["ontwikkelaar", "uitroller"]}  # (academy, year) -> roles


def _in_force(academy_id: str, day: str) -> dict[str, Any] | None:
    """The fakes' recognition decision of an academy in force on `day` (ISO dates)."""
    return next(
        (
            d
            for d in DECISIONS
            if d["academy_id"] == academy_id
            and str(d["valid_from"]) <= day <= str(d["valid_until"])
        ),
        None,
    )


def fake_upstreams() -> dict[str, FastAPI]:
    registry, activities, subsidy = FastAPI(), FastAPI(), FastAPI()

    @registry.get("/academies")
    async def academies(
        response: Response,
        ids: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
        name_contains: str | None = None,
        recognised_on: str | None = None,
    ) -> list[dict[str, Any]]:
        if ids is not None:
            return [a for a in ACADEMIES if a["id"] in _ids(ids)]
        wanted = [a for a in ACADEMIES if (name_contains or "") in str(a["name"])]
        if recognised_on is not None:
            wanted = [a for a in wanted if _in_force(str(a["id"]), recognised_on)]
        start = int(cursor or 0)
        if start + limit < len(wanted):
            response.headers["X-Next-Cursor"] = str(start + limit)
        return wanted[start : start + limit]

    @registry.get("/recognition/standing")
    async def standing(ids: str, on: str, year: int) -> list[dict[str, Any]]:
        answers = []
        for academy_id in _ids(ids):
            decision = _in_force(academy_id, on)
            answers.append(
                {
                    "academy_id": academy_id,
                    "status": decision["status"] if decision else None,
                    "valid_from": decision["valid_from"] if decision else None,
                    "valid_until": decision["valid_until"] if decision else None,
                    "recognised": decision is not None,
                    "roles": ROLES.get((academy_id, year), []),
                }
            )
        return answers

    @registry.get("/municipalities")
    async def municipalities(year: int, province: str | None = None) -> list[dict[str, Any]]:
        assert year >= 2019
        return [m for m in MUNICIPALITIES if province in (None, m["province_nl"])]

    @registry.get("/academies/{academy_id}/participant-reports")
    async def reports(academy_id: str, year: int | None = None) -> Any:
        if academy_id not in {a["id"] for a in ACADEMIES}:
            return JSONResponse({"detail": "no academy"}, status_code=404)
        return [r for r in REPORTS if r["academy_id"] == academy_id and year in (None, r["year"])]

    @registry.get("/participant-reports/completeness")
    async def completeness(year: int) -> dict[str, Any]:
        return {
            "year": year,
            "recognised": 2,
            "reported": 1,
            "share": 0.5,
            "not_reported": ["acad-2"],
        }

    @registry.get("/recognition/reviews-due")
    async def reviews_due(before: str) -> list[dict[str, Any]]:
        return [d for d in DECISIONS if str(d["valid_until"]) < before]

    @activities.get("/activities")
    async def activities_read(request: Request, ids: str | None = None) -> dict[str, Any]:
        if ids is not None:
            wanted = {i.lower() for i in _ids(ids)}
            return {"items": [a for a in ACTIVITIES if a["activity_id"] in wanted]}
        return listing(request.query_params)

    @subsidy.get("/coverage")
    async def coverage(year: int) -> dict[str, Any]:
        return {"year": year, **COVERAGE}

    @subsidy.get("/reach/by-municipality")
    async def reach_by_municipality(year: int) -> list[dict[str, Any]]:
        by_place: dict[str, set[str]] = {}
        for r in REACH:
            if r["year"] == year:
                by_place.setdefault(str(r["nis_code"]), set()).add(str(r["academy_id"]))
        return [
            {
                "nis_code": m["nis_code"],
                "name": m["name_nl"],
                "province": m["province_nl"],
                "academy_ids": sorted(by_place.get(m["nis_code"], set())),
            }
            for m in MUNICIPALITIES
        ]

    @subsidy.get("/not-reached")
    async def not_reached(year: int) -> list[dict[str, Any]]:
        assert year
        return NOT_REACHED

    @subsidy.get("/subsidies")
    async def subsidies(year: int, academy_id: str | None = None) -> Any:
        if year != 2024:
            return JSONResponse({"detail": "no run"}, status_code=404)
        return [s for s in SUBSIDIES if academy_id in (None, s["academy_id"])]

    @subsidy.get("/calculations")
    async def runs(year: int | None = None) -> list[dict[str, Any]]:
        return [r for r in RUNS if year in (None, r["year"])]

    @subsidy.get("/calculations/diff")
    async def diff(from_run: str, to_run: str) -> Any:
        if from_run != "run-1":
            return JSONResponse({"detail": "no such run"}, status_code=404)
        return {"from_run": from_run, "to_run": to_run, "changes": [], "parameters": []}

    @subsidy.get("/calculations/{run_id}/explanation")
    async def explanation(run_id: str, academy_id: str) -> dict[str, Any]:
        return {"run_id": run_id, "academy_id": academy_id, "total_eur": "1500.00", "lines": []}

    @subsidy.post("/what-if")
    async def what_if(body: dict[str, Any]) -> dict[str, Any]:
        return {"year": body["year"], "used": body["parameters"], "lines": []}

    @activities.get("/quarantine")
    async def quarantine(request: Request, limit: int = 100) -> Any:
        if request.headers.get("authorization") != f"Bearer {GATEWAY_TOKEN}":
            return JSONResponse({"detail": "ops only"}, status_code=401)
        item = {
            "webhook_id": "w-1",
            "source": "webhook",
            "reason": "no location",
            "received_at": "2025-01-01T00:00:00+00:00",
            "attempts": 3,
            "body": "{}",
        }
        return {"items": [item][:limit], "total": 1, "next_after": None}

    @activities.get("/organizers/unknown")
    async def unknown_organizers(request: Request, limit: int = 100) -> Any:
        if request.headers.get("authorization") != f"Bearer {GATEWAY_TOKEN}":
            return JSONResponse({"detail": "ops only"}, status_code=401)
        item = {
            "organizer_id": "9a9a9a9a-0000-4000-8000-0000000000aa",
            "name": "Testing Museumpas",
            "activities": 2,
            "deliveries": 3,
            "last_seen": "2025-01-02T00:00:00+00:00",
        }
        return [item][:limit]

    @activities.get("/places/disagreements")
    async def place_disagreements(request: Request, limit: int = 100) -> Any:
        if request.headers.get("authorization") != f"Bearer {GATEWAY_TOKEN}":
            return JSONResponse({"detail": "ops only"}, status_code=401)
        period = {
            "first": "2025-01-01",
            "last": None,
            "nis_code": "23106",
            "disagreement": "coordinates lie in 24062, postal code 1570 in 23106 on "
            "2025-03-05: the address counts",
        }
        item = {
            "activity_id": "00000000-0000-4000-8000-000000000001",
            "name": "Robotkamp",
            "academy_id": None,
            "organizer_id": None,
            "place_id": None,
            "postal_code": "1570",
            "locality": "Galmaarden",
            "periods": [period],
        }
        return {"count": 3, "items": [item][:limit]}

    def dead_letter_route(app: FastAPI, consumer: str) -> None:
        @app.get("/dead-letters")
        async def dead_letters(request: Request, limit: int = 50) -> Any:
            if request.headers.get("authorization") != f"Bearer {GATEWAY_TOKEN}":
                return JSONResponse({"detail": "ops only"}, status_code=401)
            return [
                {**letter, "document": {**letter["document"], "consumer": consumer}}
                if "original" in letter["document"]
                else letter
                for letter in DEAD_LETTERS
            ][:limit]

    dead_letter_route(activities, "activities")
    dead_letter_route(subsidy, "subsidy")

    @subsidy.get("/reach")
    async def reach(academy_ids: str) -> list[dict[str, Any]]:
        return [r for r in REACH if r["academy_id"] in _ids(academy_ids)]

    _report_routes(registry, activities, subsidy)
    _audit_routes(registry, activities, subsidy)
    apps = {"registry": registry, "activities": activities, "subsidy": subsidy}
    for app in apps.values():
        app.add_api_route("/healthz", lambda: {"status": "alive"})
    return apps


def _report_routes(registry: FastAPI, activities: FastAPI, subsidy: FastAPI) -> None:
    """The further reads of the yearly report (`gateway.reporting`)."""

    @registry.get("/participant-reports")
    async def reports_of_year(year: int) -> list[dict[str, Any]]:
        return [r for r in REPORTS if r["year"] == year]

    @registry.get("/municipalities/boundaries")
    async def boundaries(year: int) -> dict[str, Any]:
        """One square per municipality (the ops map's shapes)."""
        assert year
        features = [
            {
                "type": "Feature",
                "properties": m,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[3 + n, 51], [4 + n, 51], [4 + n, 51.2], [3 + n, 51]]],
                },
            }
            for n, m in enumerate(MUNICIPALITIES)
        ]
        return {"type": "FeatureCollection", "features": features}

    @registry.get("/municipality-follow-ups")
    async def follow_ups(year: int) -> list[dict[str, Any]]:
        return [f for f in FOLLOW_UPS if f["year"] == year]

    @registry.get("/recognition/recognised")
    async def recognised(on: str) -> list[dict[str, Any]]:
        return [d for d in DECISIONS if str(d["valid_from"]) <= on <= str(d["valid_until"])]

    @activities.get("/calendar/summary")
    async def summary(year: int) -> dict[str, Any]:
        months = {f"{m:02d}": 1 for m in range(1, 13)}
        return {"year": year, "activities": 12, "months": months, "themes": {"1.25.0.0.0": 12}}

    @subsidy.get("/reach/changes")
    async def changes(from_year: int, to_year: int) -> dict[str, Any]:
        return {"from_year": from_year, "to_year": to_year, "newly_reached": [], "dropped": []}

    @subsidy.get("/calls")
    async def calls(year: int) -> list[dict[str, Any]]:
        return [{"call_id": "call-1", "year": year, "role": "uitroller", "source": "V12"}]

    @subsidy.get("/calculations/{run_id}")
    async def run(run_id: str) -> Any:
        found = [r for r in RUNS if r["run_id"] == run_id]
        return found[0] if found else JSONResponse({"detail": "no run"}, status_code=404)


AUDIT = [
    {
        "audit_id": "au-1",
        "recorded_at": "2024-05-01T10:00:00+00:00",
        "actor": {"subject": "sub-an", "name": "An Peeters", "via": "oidc"},
        "academy_id": "acad-1",
        "entity": "academy",
        "entity_id": "acad-1",
        "action": "updated",
        "before": {"website": None},
        "after": {"website": "https://a.example"},
        "reason": "website moved",
        "note": None,
    }
]


# A quarantine replay in the activities service's trail: of no academy (issue 21).
ACTIVITIES_AUDIT = [
    {
        "audit_id": "au-2",
        "recorded_at": "2024-05-02T09:00:00+00:00",
        "actor": {"subject": "sub-eddy", "name": "Eddy Editor", "via": "oidc"},
        "academy_id": None,
        "entity": "quarantine",
        "entity_id": "msg_broken",
        "action": "replayed",
        "before": {"status": "quarantined"},
        "after": {"status": "received"},
        "reason": "UiTdatabank fixed the name",
        "note": None,
    }
]


def _audit_routes(registry: FastAPI, activities: FastAPI, subsidy: FastAPI) -> None:
    """The services' audit trails (issue 21): registry entries of acad-1, a quarantine
    replay (no academy) in activities, none in subsidy; no academy_id: all of them."""

    @registry.get("/audit")
    async def registry_audit(request: Request, academy_id: str | None = None) -> Any:
        if request.headers.get("authorization") != f"Bearer {GATEWAY_TOKEN}":
            return JSONResponse({"detail": "no"}, status_code=401)
        return [e for e in AUDIT if academy_id in (None, e["academy_id"])]

    @activities.get("/audit")
    async def activities_audit(academy_id: str | None = None) -> list[dict[str, Any]]:
        return [e for e in ACTIVITIES_AUDIT if academy_id in (None, e["academy_id"])]

    @subsidy.get("/audit")
    async def subsidy_audit(academy_id: str | None = None) -> list[dict[str, Any]]:
        assert academy_id in (None, "acad-1")
        return []


class _Upstream(httpx.AsyncBaseTransport):
    """An in-process upstream that counts its data requests and can be switched off."""

    def __init__(
        self, name: str, app: FastAPI, calls: Counter[str], down: set[str], slow: set[str]
    ) -> None:
        self.name, self.calls, self.down, self.slow = name, calls, down, slow
        self.inner = httpx.ASGITransport(app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.name in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.name in self.slow:  # as httpx's read timeout would
            timeout = request.extensions["timeout"]["read"]
            await asyncio.sleep(timeout)
            raise httpx.ReadTimeout("timed out", request=request)
        if request.url.path != "/healthz":
            self.calls[self.name] += 1
        return await self.inner.handle_async_request(request)


@pytest.fixture
def calls() -> Counter[str]:
    return Counter()


@pytest.fixture
def down() -> set[str]:
    return set()


@pytest.fixture
def slow() -> set[str]:
    """Upstreams that answer after the gateway's read timeout."""
    return set()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The gateway's settings; a test changes them before asking for `gateway`."""
    return Settings(
        environment="development",
        partner_api_keys=[SecretStr(PARTNER_KEY)],
        ops_token=SecretStr(OPS_TOKEN),
        gateway_token=SecretStr(GATEWAY_TOKEN),
        data_dir=str(tmp_path),
    )


class FakeFeed:
    """The gateway's change feed (ADR 0016) in memory: not current unless a test sets `fresh`;
    events go to `invalidation` (the app's), set when the app is made."""

    def __init__(self) -> None:
        self.fresh = False
        self.invalidation: Any = None

    def fresh_enough(self, max_lag: float) -> bool:
        return self.fresh

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


@pytest.fixture
def feed() -> FakeFeed:
    return FakeFeed()


@pytest.fixture
async def gateway(
    settings: Settings, calls: Counter[str], down: set[str], slow: set[str], feed: FakeFeed
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the gateway app (lifespan run), without a partner key set."""
    transports = {
        name: _Upstream(name, app, calls, down, slow) for name, app in fake_upstreams().items()
    }
    app = create_app(settings, transports=transports, change_feed=feed)
    feed.invalidation = app.state.invalidation
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway") as c,
    ):
        yield c


@pytest.fixture
def partner_key() -> str:
    return PARTNER_KEY


@pytest.fixture
def ops_token() -> str:
    return OPS_TOKEN
