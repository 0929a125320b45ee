"""UiTdatabank activities of an academy that the platform does not count, one for every
reason of the self-service "not counted" table (issue 21), seeded into the activities and
subsidy apps in process (their own handlers and delivery worker, no broker): real event
documents (the end-to-end fixture) with another id, date, place or organizer."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from activities.adapters import delivery_store as deliveries
from activities.adapters.uit_client import Fetched
from activities.service_layer import processing
from activities.service_layer.handlers import handle_event as handle_registry_event
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityPublished, Location, Occurrence
from stemkit.contracts.registry import AcademyRegistered, MunicipalityDefined
from subsidy.service_layer.handlers import handle_event

FIXTURE = Path(__file__).resolve().parents[1] / "e2e" / "fixtures" / "academy-event-approved.json"
NAMESPACE = uuid.UUID("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
NIL_PLACE = "https://io.uitdatabank.be/places/00000000-0000-0000-0000-000000000000"
YEAR = 2025
DAY = "2025-03-08"


@dataclass(frozen=True)
class Seeded:
    organizer: str  # linked to the academy
    asked: str  # not linked: the coordinator asks to link it
    names: dict[str, str]  # reason -> the activity's (or organizer's) name on the page


def organizer(academy_id: str, role: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{academy_id}|{role}"))


def _event(academy_id: str, name: str, organizer_id: str, postal: str, locality: str) -> Any:
    doc: dict[str, Any] = copy.deepcopy(json.loads(FIXTURE.read_text()))
    doc["@id"] = f"https://io.uitdatabank.be/events/{uuid.uuid5(NAMESPACE, academy_id + name)}"
    doc["name"] = {"nl": name}
    doc["startDate"] = f"{DAY}T10:00:00+01:00"
    doc["endDate"] = doc["availableTo"] = f"{DAY}T16:00:00+01:00"
    doc["location"]["@id"] = f"https://io.uitdatabank.be/places/{uuid.uuid5(NAMESPACE, locality)}"
    doc["location"]["address"]["nl"].update(addressLocality=locality, postalCode=postal)
    doc["organizer"] = {"@id": f"https://io.uitdatabank.be/organizers/{organizer_id}"}
    return doc


class _NoFetches:
    async def fetch(self, iri: str) -> Fetched:
        raise AssertionError(f"whole documents only, yet {iri} was fetched")


async def seed(activities: FastAPI, subsidy: FastAPI, academy_id: str, label: str) -> Seeded:
    """One activity (or organizer) per reason for `academy_id`; `label` starts every name."""
    linked, asked = organizer(academy_id, "linked"), organizer(academy_id, "asked")
    names = {
        "not_recognised": f"{label} Leuven",
        "unknown_postal_code": f"{label} Nergensdorp",
        "outside_flanders": f"{label} Brussel",
        "no_address": f"{label} online",
        "quarantined": f"{label} zonder datum",
        "not_linked": asked,  # an organizer of whom no document was read: its id
    }
    documents = [
        _event(academy_id, names["not_recognised"], linked, "3000", "Leuven"),
        _event(academy_id, names["unknown_postal_code"], linked, "9999", "Nergensdorp"),
        _event(academy_id, names["outside_flanders"], linked, "1000", "Brussel"),
        _event(academy_id, f"{label} van de gevraagde organisator", asked, "3000", "Leuven"),
    ]
    online = _event(academy_id, names["no_address"], linked, "3000", "Leuven")
    online |= {"location": {"@id": NIL_PLACE}, "attendanceMode": "online"}
    dateless = _event(academy_id, names["quarantined"], linked, "3000", "Leuven")
    for key in ("startDate", "endDate", "availableTo"):
        dateless.pop(key)
    documents += [online, dateless]

    sessions = activities.state.database.session_factory
    async with sessions.begin() as session:
        for event in (
            MunicipalityDefined(
                nis_code="24062",
                name_nl="Leuven",
                province_nl="Vlaams-Brabant",
                valid_from=date(2000, 1, 1),
                postal_codes=["3000"],
            ),
            AcademyRegistered(academy_id=academy_id, name=label, uit_organizer_ids=[linked]),
        ):
            await handle_registry_event(session, CATALOG.new_event(event, source="/stem/registry"))
        for document in documents:
            body = json.dumps(document)
            await deliveries.record(session, f"seed-{uuid.uuid4()}", body, "webhook")
    while await processing.drain(sessions, _NoFetches()):
        pass

    # The subsidy service's copy of the Leuven activity: its academy has no recognition.
    leuven = documents[0]["@id"].rsplit("/", 1)[1]
    published = ActivityPublished(
        activity_id=leuven,
        name=names["not_recognised"],
        academy_id=academy_id,
        occurrences=[Occurrence(start=datetime.fromisoformat(f"{DAY}T10:00:00+01:00"))],
        location=Location(name="Zaal", nis_code="24062", postal_code="3000"),
        public=True,
        modified=datetime.fromisoformat(f"{DAY}T08:00:00+01:00"),
    )
    async with subsidy.state.database.session_factory.begin() as session:
        await handle_event(session, CATALOG.new_event(published, source="/stem/activities"))
    return Seeded(linked, asked, names)
