"""What /ops/link-requests shows of a pending request: the academy's name and, while no
academy has the organizer, what the activities service knows of it (issue 21)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.ops_web.link_requests_page import pending_requests

PENDING = [
    {"request_id": "r-1", "academy_id": "acad-1", "organizer_id": "org-known", "note": None},
    {"request_id": "r-2", "academy_id": "acad-gone", "organizer_id": "org-new", "note": "x"},
]


def _upstreams(activities_up: bool = True, registry_up: bool = True) -> Upstreams:
    def registry(request: httpx.Request) -> httpx.Response:
        if not registry_up:
            return httpx.Response(503)
        if request.url.path == "/organizer-link-requests":
            return httpx.Response(200, json=PENDING)
        assert request.url.params["ids"] == "acad-1,acad-gone"
        return httpx.Response(200, json=[{"id": "acad-1", "name": "Codeclub"}])

    def activities(request: httpx.Request) -> httpx.Response:
        if not activities_up:
            return httpx.Response(503)
        assert request.url.path == "/organizers/unknown"
        # Ids compared without case (the registry keeps them normalised, UiTdatabank may not).
        unknown = [{"organizer_id": "ORG-Known", "name": "Codeclub vzw", "activities": 7}]
        return httpx.Response(200, json=unknown)

    def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://u")

    return Upstreams(client(registry), client(activities), client(registry))


async def test_a_request_shows_the_academy_and_the_organizer_as_known() -> None:
    first, second = await pending_requests(_upstreams())
    assert (first["academy_name"], first["organizer"]["name"]) == ("Codeclub", "Codeclub vzw")
    assert first["organizer"]["activities"] == 7
    assert (second["academy_name"], second["organizer"]) == ("acad-gone", None)


async def test_without_the_activities_service_the_requests_still_show() -> None:
    first, _ = await pending_requests(_upstreams(activities_up=False))
    assert first["academy_name"] == "Codeclub" and first["organizer"] is None
    with pytest.raises(UpstreamError):
        await pending_requests(_upstreams(registry_up=False))
