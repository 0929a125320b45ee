"""The ops pages' sign-in, headers and colours, in process (the pages' data and drawing are
tested in a real browser on the whole platform: tests/browser)."""

from __future__ import annotations

import itertools
import re

import httpx
import pytest

from gateway.ops_web import palette
from gateway.ops_web.labels import LANGUAGES, labels
from gateway.ops_web.svgmap import draw


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


async def test_a_valid_ops_token_becomes_a_strict_http_only_cookie(
    gateway: httpx.AsyncClient, ops_token: str, partner_key: str
) -> None:
    for wrong in ("nope", partner_key, ""):  # a partner key is no ops credential
        refused = await gateway.post("/ops/login", data={"token": wrong})
        assert refused.status_code == 401 and "set-cookie" not in refused.headers
    accepted = await gateway.post("/ops/login?lang=en", data={"token": ops_token})
    assert (accepted.status_code, accepted.headers["location"]) == (303, "/ops?lang=en")
    cookie = accepted.headers["set-cookie"]
    assert cookie.startswith(f"stem_ops_token={ops_token};")
    for flag in ("HttpOnly", "Path=/ops", "SameSite=strict", "Max-Age=28800"):
        assert flag in cookie
    assert "Secure" not in cookie  # STEM_ENV=test; production sets it
    out = await gateway.post("/ops/logout", headers={"cookie": f"stem_ops_token={ops_token}"})
    assert out.status_code == 303 and 'stem_ops_token=""' in out.headers["set-cookie"]


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
