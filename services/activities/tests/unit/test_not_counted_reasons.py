"""Issue 21: the reason a session has no Flemish municipality, told from the stored
location, and the organizer a quarantined delivery is attributed to, from real documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from activities.domain.not_counted import name_in, organizer_in, place_reason

Load = Callable[[str], dict[str, Any]]


@pytest.mark.parametrize(
    ("location", "nis_code", "reason"),
    [
        ({"kind": "online"}, None, "no_address"),
        ({"kind": "school"}, None, "no_address"),
        ({"kind": "place", "country": "BE"}, None, "no_address"),
        ({"kind": "place", "postal_code": "9999", "country": "BE"}, None, "unknown_postal_code"),
        ({"kind": "place", "postal_code": "1000", "country": "BE"}, None, "outside_flanders"),
        ({"kind": "place", "postal_code": "1348", "country": "BE"}, None, "outside_flanders"),
        ({"kind": "place", "postal_code": "4000", "country": "BE"}, None, "outside_flanders"),
        ({"kind": "dummy", "postal_code": "4811", "country": "NL"}, None, "outside_flanders"),
        ({"kind": "place", "postal_code": "3000", "country": "BE"}, "21004", "outside_flanders"),
        (
            {
                "kind": "place",
                "postal_code": "1570",
                "unresolved_reason": "postal code 1570 has no municipality on 1990-01-01",
            },
            None,
            "not_on_date",
        ),
        # The activity resolves on other days (a later period), not on these sessions' dates.
        ({"kind": "place", "postal_code": "1570", "nis_code": "23106"}, None, "not_on_date"),
    ],
)
def test_the_reason_is_told_from_the_location(
    location: dict[str, Any], nis_code: str | None, reason: str
) -> None:
    assert place_reason(location, nis_code) == reason


def test_a_delivery_names_its_organizer_when_it_holds_one(
    load_event: Load, load_organizer: Load, load_place: Load
) -> None:
    event = load_event("original")
    event["organizer"] = {
        "@id": "https://io.uitdatabank.be/organizers/289C4681-EE51-8AD8-A7851C6434767415"
    }
    kind, item_id, organizer_id = organizer_in(json.dumps(event))
    assert (kind, item_id) == ("event", "23017cb7-e515-47b4-87c4-780735acc942")
    assert organizer_id == "289c4681-ee51-8ad8-a7851c6434767415"  # legacy id, lower case
    assert name_in(json.dumps(event)) == "Punkfest"

    dummy = dict(event, organizer={"@type": "Organizer", "name": "CodeFever VZW"})
    assert organizer_in(json.dumps(dummy))[2] is None  # a dummy organizer links nothing

    organizer = load_organizer("original")
    kind, item_id, organizer_id = organizer_in(json.dumps(organizer))
    assert kind == "organizer" and organizer_id == item_id is not None

    assert organizer_in(json.dumps(load_place("original")))[2] is None
    thin = {"id": "x", "payload": {"item_id": "x", "iri": event["@id"]}}
    assert organizer_in(json.dumps(thin)) == ("event", item_id_of(event), None)
    for unreadable in ("not json", "[]", '{"@id": "https://example.org/x"}'):
        assert organizer_in(unreadable) == (None, None, None)
        assert name_in(unreadable) is None


def item_id_of(document: dict[str, Any]) -> str:
    return str(document["@id"]).rsplit("/", 1)[1].lower()
