"""Dated activities of the demo academies, delivered to the activities webhook as signed
UiTdatabank documents (the end-to-end fixture with another id, date, place and organizer),
so that the platform has reach in two years on either side of the 2025 mergers."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from activities.config import DEV_WEBHOOK_SECRET
from tools.demo.academies import DEMO_ACADEMIES
from tools.send_webhook import signed_headers

FIXTURE = Path(__file__).resolve().parents[1] / "e2e" / "fixtures" / "academy-event-approved.json"
NAMESPACE = uuid.UUID("0b7c3f4e-8a0d-4e51-9d3b-5c2a9e7f1d20")


def organizer_of(academy_name: str) -> str:
    found = next(a for a in DEMO_ACADEMIES if a.name == academy_name)
    return found.uit_organizer_ids[0]


LEUVEN_CODEERT = "[DEMO] STEM-academie Leuven Codeert"
KEMPEN = "[DEMO] Robotlab Kempen"
BRUGGE = "[DEMO] Ruimtevaartclub Brugge"


@dataclass(frozen=True)
class Planned:
    academy: str
    day: str  # ISO date; the demo academies are (provisionally) recognised from 2022-10-01
    postal_code: str
    locality: str
    name: str

    @property
    def activity_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.academy}|{self.day}|{self.postal_code}"))

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = copy.deepcopy(json.loads(FIXTURE.read_text()))
        doc["@id"] = f"http://udb-silex.dev/event/{self.activity_id}"
        doc["name"] = {"nl": self.name}
        doc["startDate"] = f"{self.day}T10:00:00+01:00"
        doc["endDate"] = doc["availableTo"] = f"{self.day}T16:00:00+01:00"
        doc["modified"] = f"{self.day}T08:00:00+01:00"
        doc["location"]["@id"] = (
            f"http://udb-silex.dev/place/{uuid.uuid5(NAMESPACE, self.locality)}"
        )
        doc["location"]["name"] = {"nl": f"Zaal {self.locality}"}
        doc["location"]["address"]["nl"].update(
            addressLocality=self.locality, postalCode=self.postal_code, streetAddress="Markt 1"
        )
        doc["organizer"]["@id"] = f"http://udb-silex.dev/organizers/{organizer_of(self.academy)}"
        doc["organizer"]["name"] = {"nl": self.academy}
        return doc


# 2022 (2019-2024 boundaries): three municipalities, each by one academy.
# 2025 (2025 boundaries): four, Leuven by two academies; Tienen dropped, Brugge and
# Oostende new.
PLANNED = (
    Planned(LEUVEN_CODEERT, "2022-11-12", "3000", "Leuven", "Codeerclub Leuven"),
    Planned(LEUVEN_CODEERT, "2022-11-19", "3300", "Tienen", "Codeerclub Tienen"),
    Planned(KEMPEN, "2022-12-03", "2440", "Geel", "Robots bouwen in Geel"),
    Planned(LEUVEN_CODEERT, "2025-03-08", "3000", "Leuven", "Codeerclub Leuven 2025"),
    Planned(KEMPEN, "2025-03-15", "3000", "Leuven", "Robotlab op bezoek in Leuven"),
    Planned(KEMPEN, "2025-04-05", "2440", "Geel", "Robots bouwen in Geel 2025"),
    Planned(BRUGGE, "2025-05-10", "8000", "Brugge", "Sterrenkijken in Brugge"),
    Planned(BRUGGE, "2025-05-17", "8400", "Oostende", "Raketten aan zee"),
)


async def deliver(client: httpx.AsyncClient, activities_url: str) -> None:
    for planned in PLANNED:
        body = json.dumps(planned.document())
        response = await client.post(
            f"{activities_url}/webhooks/uitdatabank",
            content=body,
            headers=signed_headers(DEV_WEBHOOK_SECRET, body),
        )
        assert response.status_code == 202, response.text
