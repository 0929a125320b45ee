"""The reference data files shipped in `registry/reference_data/` (see its SOURCES.md)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from registry.domain.gazetteer import Gazetteer, Merger
from registry.domain.municipality import Municipality

_FOLDER = files("registry") / "reference_data"


def _rows(name: str) -> list[dict[str, str]]:
    text = (_FOLDER / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def municipalities() -> list[Municipality]:
    return [
        Municipality(
            nis_code=row["nis_code"],
            name_nl=row["name_nl"],
            province_nl=row["province_nl"],
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            merged_into_nis=row["merged_into_nis"] or None,
        )
        for row in _rows("flemish_municipalities.csv")
    ]


def postal_codes() -> dict[str, list[str]]:
    """NIS code -> its postal codes, sorted. These are 2025 NIS codes (Statbel's 2025 table)."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in _rows("postal_codes.csv"):
        found[row["nis_code"]].append(row["postal_code"])
    return {nis: sorted(codes) for nis, codes in found.items()}


def mergers() -> list[Merger]:
    """The 1 January 2025 mergers: every old code and its successor (Antwerpen to itself)."""
    return [
        Merger(old_nis_code=row["old_nis_code"], new_nis_code=row["new_nis_code"])
        for row in _rows("fusies_2025.csv")
    ]


def boundaries(period: str) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of a period: "2019" (2019-2024) or "2025" (from 2025)."""
    text = (_FOLDER / f"flanders_municipalities_{period}.geojson").read_text(encoding="utf-8")
    collection: dict[str, Any] = json.loads(text)
    return collection


@cache
def gazetteer() -> Gazetteer:
    """The lookups over the shipped reference data (built once per process)."""
    return Gazetteer(municipalities(), postal_codes(), mergers())
