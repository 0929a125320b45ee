"""The fixed inputs the workload is built on: the [DEMO] academies the registry seeds and
the postal codes whose municipality is unambiguous, read from the registry's own reference
files (the input data, not the code that resolves them)."""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tools.demo.academies import DEMO_ACADEMIES

REFERENCE = Path(__file__).resolve().parents[2] / "services/registry/src/registry/reference_data"

# The demo seed (tools/demo) records, for every academy with an organizer:
# requested 2022-09-01, provisionally recognised 2022-10-01 (1 year), recognised 2023-10-01
# (3 years). Occurrences are generated inside this window only, so recognition never
# filters reach and the tally need not model it.
RECOGNISED_FROM, RECOGNISED_UNTIL = date(2022, 10, 1), date(2026, 9, 30)
# Every academy with an organizer holds the Uitroller role in 2023-2025 (the same seed).
UITROLLER_YEARS = frozenset({2023, 2024, 2025})
FLEMISH_PREFIXES = ("1", "3", "4", "7", "23", "24")


@dataclass(frozen=True)
class Academy:
    academy_id: str
    organizer_id: str
    name: str


@dataclass(frozen=True)
class Municipality:
    postal_code: str
    nis_code: str
    name: str


def linked_academies() -> list[Academy]:
    """The demo academies with a UiTdatabank organizer, one per organizer."""
    return [
        Academy(demo.academy_id, organizer, demo.name)
        for demo in DEMO_ACADEMIES
        for organizer in demo.uit_organizer_ids
    ]


# An organizer no academy is linked to: its activities are stored and listed, reach nothing.
UNLINKED_ORGANIZER = str(uuid.uuid5(uuid.NAMESPACE_URL, "stem-chaos:unlinked-organizer"))


def unambiguous_postal_codes() -> list[Municipality]:
    """Flemish postal codes that map to exactly one municipality, one that exists unchanged
    from 2019 on (no merger before or after), so the NIS code does not depend on the day."""
    with (REFERENCE / "flemish_municipalities.csv").open(encoding="utf-8") as fh:
        municipalities = list(csv.DictReader(fh))
    stable = {
        row["nis_code"]
        for row in municipalities
        if row["valid_from"] == "2019-01-01" and not row["valid_to"]
    }
    merged_into = {row["merged_into_nis"] for row in municipalities if row["merged_into_nis"]}
    codes: dict[str, set[tuple[str, str]]] = {}
    with (REFERENCE / "postal_codes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            codes.setdefault(row["postal_code"], set()).add(
                (row["nis_code"], row["municipality_name_nl"])
            )
    found = []
    for postal_code, targets in sorted(codes.items()):
        if len(targets) != 1:
            continue
        ((nis_code, name),) = targets
        if (
            nis_code in stable
            and nis_code not in merged_into
            and nis_code.startswith(FLEMISH_PREFIXES)
        ):
            found.append(Municipality(postal_code, nis_code, name))
    return found
