"""The ops pages' sign-in, headers and colours, in process (the pages' data and drawing are
tested in a real browser on the whole platform: tests/browser)."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest

from gateway.ops_web import palette
from gateway.ops_web.labels import LANGUAGES, labels
from gateway.ops_web.session import SessionStore, SignInThrottle
from gateway.ops_web.svgmap import draw
from gateway.schema.context import Caller


async def test_pages_send_a_browser_without_the_cookie_to_the_sign_in(
    gateway: httpx.AsyncClient,
) -> None:
    for path in ("/ops", "/ops/follow-up", "/ops/ingestion"):
        answer = await gateway.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/ops/login")
    assert (await gateway.get("/ops?lang=en")).headers["location"] == "/ops/login?lang=en"
    assert (await gateway.get("/ops/municipality/24062")).status_code == 401
    form = await gateway.get("/ops/login")
    assert form.status_code == 200 and 'name="token"' in form.text
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert form.headers["cache-control"] == "no-store"


async def test_a_valid_ops_token_opens_a_session_in_a_strict_http_only_cookie(
    gateway: httpx.AsyncClient, ops_token: str, partner_key: str
) -> None:
    for wrong in ("nope", partner_key, ""):  # a partner key is no ops credential
        refused = await gateway.post("/ops/login", data={"token": wrong})
        assert refused.status_code == 401 and "set-cookie" not in refused.headers
    accepted = await gateway.post("/ops/login?lang=en", data={"token": ops_token})
    assert (accepted.status_code, accepted.headers["location"]) == (303, "/ops?lang=en")
    cookie = accepted.headers["set-cookie"]
    assert cookie.startswith("stem_ops_session=")
    for flag in ("HttpOnly", "Path=/ops", "SameSite=strict", "Max-Age=28800"):
        assert flag in cookie
    assert "Secure" not in cookie  # STEM_ENV=test; production sets it
    out = await gateway.post("/ops/logout")
    assert out.status_code == 303 and 'stem_ops_session=""' in out.headers["set-cookie"]


async def test_the_reach_page_shows_why_a_municipality_is_not_reached_and_what_follows(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    """Q2b/c: the registry's follow-up of Hasselt (not reached in 2024) in both languages."""
    await gateway.post("/ops/login", data={"token": ops_token})
    dutch = await gateway.get("/ops", params={"year": 2024})
    assert dutch.status_code == 200, dutch.text[:500]
    row = re.search(r'<tr data-nis="71022">.*?</tr>', dutch.text, re.S)
    assert row is not None, dutch.text
    assert 'data-reason="no_local_partner"' in row.group(0)
    assert "geen lokale partner of locatie: geen zaal vrij" in row.group(0)
    assert "netwerkdag Limburg" in row.group(0)
    assert 'id="follow-up-missing" data-count="0"' in dutch.text
    english = await gateway.get("/ops", params={"year": 2024, "lang": "en"})
    assert "no local partner or venue: geen zaal vrij" in english.text
    assert "Why not reached" in english.text
    # 2023: nothing recorded for Hasselt.
    other = await gateway.get("/ops", params={"year": 2023})
    assert 'id="follow-up-missing" data-count="1"' in other.text
    assert "niets vastgelegd" in other.text


async def test_the_ingestion_page_lists_the_organizers_linked_to_no_academy(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    """Issue 15: ops see which unknown organizers keep sending, with their counts."""
    await gateway.post("/ops/login", data={"token": ops_token})
    page = await gateway.get("/ops/ingestion", params={"lang": "en"})
    assert page.status_code == 200, page.text[:500]
    table = re.search(r'<table id="unknown-organizers" data-count="1">.*?</table>', page.text, re.S)
    assert table is not None, page.text
    assert "Testing Museumpas" in table.group(0)
    assert '<td class="num">2</td><td class="num">3</td>' in table.group(0)
    assert "Unknown organizers" in page.text


async def test_the_ingestion_page_lists_and_counts_coordinates_against_postal_code(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    """Issue 15: ops see the activities whose coordinates lie elsewhere than their address."""
    await gateway.post("/ops/login", data={"token": ops_token})
    page = await gateway.get("/ops/ingestion", params={"lang": "en"})
    assert page.status_code == 200, page.text[:500]
    assert '<p id="place-disagreements-count" data-count="3">3 activities' in page.text
    table = re.search(r'<table id="place-disagreements">.*?</table>', page.text, re.S)
    assert table is not None, page.text
    assert "Robotkamp" in table.group(0) and "1570 Galmaarden" in table.group(0)
    assert "coordinates lie in 24062" in table.group(0)
    assert "Coordinates against postal code" in page.text
    dutch = await gateway.get("/ops/ingestion")
    assert "Coördinaten tegen postcode" in dutch.text


def _session_id(answer: httpx.Response) -> str:
    found = re.match(r"stem_ops_session=([^;]+);", answer.headers["set-cookie"])
    assert found is not None, answer.headers["set-cookie"]
    return found.group(1)


async def test_the_cookie_holds_a_random_session_id_never_the_token(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    first = _session_id(await gateway.post("/ops/login", data={"token": ops_token}))
    second = _session_id(await gateway.post("/ops/login", data={"token": ops_token}))
    assert first != second and len(first) >= 43  # 256 bits, URL-safe base64
    for session_id in (first, second):
        assert ops_token not in session_id and ops_token not in unquote(session_id)


async def test_sign_out_revokes_the_session_a_copied_cookie_is_refused(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    session_id = _session_id(await gateway.post("/ops/login", data={"token": ops_token}))
    copy = {"cookie": f"stem_ops_session={session_id}"}
    gateway.cookies.clear()
    assert (await gateway.get("/ops/follow-up", headers=copy)).status_code == 200
    assert (await gateway.post("/ops/logout", headers=copy)).status_code == 303
    again = await gateway.get("/ops/follow-up", headers=copy)
    assert (again.status_code, again.headers["location"]) == (303, "/ops/login")
    made_up = {"cookie": f"stem_ops_session={ops_token}"}  # the old cookie's content
    assert (await gateway.get("/ops/follow-up", headers=made_up)).status_code == 303


async def test_the_eleventh_failed_sign_in_from_an_address_is_a_429(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    for _ in range(10):  # GATEWAY_OPS_SIGNIN_FAILURES_PER_ADDRESS
        assert (await gateway.post("/ops/login", data={"token": "guess"})).status_code == 401
    blocked = await gateway.post("/ops/login", data={"token": ops_token})  # even the right one
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    assert "set-cookie" not in blocked.headers


async def test_an_oversized_sign_in_body_is_a_413_before_it_is_read(
    gateway: httpx.AsyncClient, ops_token: str
) -> None:
    declared = await gateway.post(
        "/ops/login",
        content=b"token=" + b"x" * 10_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert declared.status_code == 413
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        while sent < 64 * 1024 * 1024:
            sent += 1024
            yield b"x" * 1024

    streamed = await gateway.post(
        "/ops/login",
        content=endless(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413 and "set-cookie" not in streamed.headers
    assert sent <= 4096 + 2 * 1024  # the limit and a chunk or two, not 64 MiB
    fine = await gateway.post("/ops/login", data={"token": ops_token})
    assert fine.status_code == 303


def test_a_session_ends_when_idle_and_at_its_absolute_lifetime() -> None:
    now = [1000.0]
    store = SessionStore(idle_seconds=60, max_seconds=300, clock=lambda: now[0])
    caller = Caller(id="ops:0", kind="ops", scopes=frozenset({"reach"}))
    idle = store.open(caller)
    now[0] += 61
    assert store.caller(idle) is None and len(store) == 0
    busy = store.open(caller)
    for _ in range(5):  # used every 50 s: never idle, still ends at 300 s
        now[0] += 50
        assert store.caller(busy) == caller
    now[0] += 51
    assert store.caller(busy) is None
    assert store.caller("never-opened") is None


def test_the_throttle_counts_per_address_and_in_all_in_a_sliding_window() -> None:
    now = [0.0]
    throttle = SignInThrottle(per_address=3, in_all=5, window=100, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("a") == 0
        throttle.failed("a")
        now[0] += 10
    assert throttle.wait("a") == 70  # at 30 s; the first failure leaves the window at 100
    assert throttle.wait("b") == 0
    throttle.failed("b")
    throttle.failed("c")
    assert throttle.wait("d") == 70  # five failures in all: nobody may try
    now[0] = 100.5
    assert throttle.wait("a") == 0 and throttle.wait("d") == 0


async def test_static_files_and_nothing_else(gateway: httpx.AsyncClient) -> None:
    script = await gateway.get("/ops/static/ops.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/java")
    assert (await gateway.get("/ops/static/..%2Fsession.py")).status_code == 404
    assert (await gateway.get("/ops/static/templates")).status_code == 404


def test_the_map_colours_keep_3_to_1_between_each_pair_and_against_the_outline() -> None:
    for first, second in itertools.combinations(palette.CLASSES, 2):
        assert palette.contrast(first.fill, second.fill) >= 3, (first.key, second.key)
    assert palette.contrast(palette.BORDER, palette.CLASSES[0].fill) >= 3
    assert palette.contrast(palette.TEXT, palette.BACKGROUND) >= 4.5
    assert palette.contrast("#ffffff", "#000000") == pytest.approx(21)
    assert [palette.reach_class(n).key for n in (0, 1, 2, 7)] == ["none", "one", "many", "many"]


def test_every_label_exists_in_both_languages_and_they_differ() -> None:
    dutch, english = (labels(lang) for lang in LANGUAGES)
    assert dutch.keys() == english.keys()
    assert dutch["year"] == "Jaar" and english["year"] == "Year"


def test_shapes_are_projected_into_the_drawing() -> None:
    square = {"type": "Polygon", "coordinates": [[[3, 51], [4, 51], [4, 51.2], [3, 51.2], [3, 51]]]}
    pair = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[4, 51], [5, 51], [5, 51.4], [4, 51], [4, 51]]],
            [[[4.5, 50.8], [4.6, 50.8], [4.6, 50.9], [4.5, 50.8]]],
        ],
    }
    drawing = draw(
        [
            {"properties": {"nis_code": "1", "name_nl": "A"}, "geometry": square},
            {"properties": {"nis_code": "2", "name_nl": "B"}, "geometry": pair},
        ]
    )
    assert [s.nis_code for s in drawing.shapes] == ["1", "2"]
    assert drawing.shapes[0].path.startswith("M4 ") and drawing.shapes[0].path.endswith("Z")
    assert drawing.shapes[1].path.count("M") == 2  # one subpath per polygon
    points = [
        (float(x), float(y))
        for s in drawing.shapes
        for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", s.path)
    ]
    assert len(points) == 5 + 4 + 4  # a point equal to the one before it is dropped
    assert min(x for x, _ in points) >= 0 and max(x for x, _ in points) <= drawing.width
    assert min(y for _, y in points) >= 0 and max(y for _, y in points) <= drawing.height
    assert 0 < drawing.height < drawing.width  # 2 degrees wide, 0.6 high, at 51 degrees
