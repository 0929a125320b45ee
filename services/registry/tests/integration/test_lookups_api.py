"""The as-of lookups over HTTP: NIS code, province, postal code, coordinates, mergers."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.postgres


async def test_municipality_by_nis_code_on_a_day(api: httpx.AsyncClient) -> None:
    old = await api.get("/municipalities/71022", params={"on": "2024-12-31"})
    assert old.status_code == 200 and old.json()["merged_into_nis"] == "71072"
    assert (await api.get("/municipalities/71022", params={"on": "2025-01-01"})).status_code == 404
    assert (await api.get("/municipalities/24062")).json()["name_nl"] == "Leuven"
    bad = await api.get("/municipalities/24062", params={"on": "not a date"})
    assert bad.status_code == 422


async def test_municipalities_of_a_province(api: httpx.AsyncClient) -> None:
    limburg = await api.get("/municipalities", params={"year": 2025, "province": "limburg"})
    assert len(limburg.json()) == 38
    before = await api.get("/municipalities", params={"year": 2024, "province": "Limburg"})
    assert len(before.json()) == 42


async def test_successor_and_predecessors(api: httpx.AsyncClient) -> None:
    successor = await api.get("/municipalities/11056/successor", params={"on": "2025-03-01"})
    assert successor.json()["nis_code"] == "46030"
    assert successor.json()["province_nl"] == "Oost-Vlaanderen"
    predecessors = (await api.get("/municipalities/46030/predecessors")).json()
    assert {m["nis_code"] for m in predecessors} == {"11056", "46003", "46013"}
    assert (await api.get("/municipalities/99999/successor")).status_code == 404


async def test_postal_code_with_and_without_coordinates(api: httpx.AsyncClient) -> None:
    after = (await api.get("/postal-codes/3500", params={"on": "2025-02-01"})).json()
    assert after["municipality"]["nis_code"] == "71072"
    before = (await api.get("/postal-codes/3500", params={"on": "2024-02-01"})).json()
    assert before["municipality"] is None
    assert {m["nis_code"] for m in before["candidates"]} == {"71022", "73040"}
    # A point in Kortessem (village centre).
    settled = await api.get(
        "/postal-codes/3500",
        params={"on": "2024-02-01", "longitude": 5.3897, "latitude": 50.8586},
    )
    assert settled.json()["municipality"]["nis_code"] == "73040"
    assert settled.json()["resolved_by"] == "coordinates"


async def test_locate_a_point(api: httpx.AsyncClient) -> None:
    leuven = await api.get("/locate", params={"longitude": 4.7005, "latitude": 50.8798})
    assert leuven.json()["nis_code"] == "24062"
    hasselt = {"longitude": 5.3378, "latitude": 50.9307}
    assert (await api.get("/locate", params={**hasselt, "on": "2024-01-01"})).json()[
        "nis_code"
    ] == "71022"
    assert (await api.get("/locate", params={**hasselt, "on": "2025-01-01"})).json()[
        "nis_code"
    ] == "71072"
    brussels = await api.get("/locate", params={"longitude": 4.3517, "latitude": 50.8503})
    assert brussels.status_code == 404
    assert (await api.get("/locate", params={"longitude": 40, "latitude": 50.8})).status_code == 422


async def test_boundaries_of_a_year_for_a_map(api: httpx.AsyncClient) -> None:
    before = await api.get("/municipalities/boundaries", params={"year": 2022})
    assert before.status_code == 200 and before.headers["content-type"] == "application/geo+json"
    after = (await api.get("/municipalities/boundaries", params={"year": 2025})).json()
    shapes_before = before.json()["features"]
    assert (len(shapes_before), len(after["features"])) == (300, 285)
    codes = {f["properties"]["nis_code"] for f in shapes_before}
    assert "71022" in codes and "71072" not in codes  # Hasselt before and after its merger
    leuven = next(f for f in after["features"] if f["properties"]["nis_code"] == "24062")
    assert leuven["properties"] == {
        "nis_code": "24062",
        "name_nl": "Leuven",
        "province_nl": "Vlaams-Brabant",
    }
    assert leuven["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    # Simplified: fewer points than the file's own shapes (tolerance 0).
    full = await api.get("/municipalities/boundaries", params={"year": 2025, "tolerance": 0})
    full_leuven = next(f for f in full.json()["features"] if f["properties"]["nis_code"] == "24062")
    assert len(str(leuven["geometry"])) < len(str(full_leuven["geometry"]))
    assert (await api.get("/municipalities/boundaries", params={"year": 2018})).status_code == 422
