"""The reference data files shipped in `registry/reference_data/` (see its SOURCES.md)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from importlib.resources import files

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
