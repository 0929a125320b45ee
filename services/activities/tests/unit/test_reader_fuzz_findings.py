"""What fuzzing the reader found (test_reader_fuzz.py), one focused test each."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from activities.adapters.snapshots import to_snapshot
from activities.domain.documents import Document, classify, parse
from activities.domain.places import UnreadablePlace, read_place
from activities.domain.reader import UnreadableDocument, read_event
from activities.service_layer.catalogue import SOURCE
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityUpdated

LoadEvent = Callable[[str], dict[str, Any]]


def test_a_reason_shows_a_long_id_shortened(load_event: LoadEvent) -> None:
    """A quarantine reason is read by a person: a 70,000-character @id is not repeated."""
    long_id = "x" * 70_000
    for read in (read_event, classify):
        with pytest.raises(UnreadableDocument) as raised:
            read(load_event("original") | {"@id": long_id})
        assert len(str(raised.value)) < 500
        assert "70000 characters" in str(raised.value)


def test_a_place_reason_shows_a_long_id_shortened(load_place: LoadEvent) -> None:
    with pytest.raises(UnreadablePlace) as raised:
        read_place(load_place("original") | {"@id": "y" * 70_000})
    assert len(str(raised.value)) < 500


def test_a_reason_names_an_object_rather_than_repeating_it(load_event: LoadEvent) -> None:
    document = load_event("original") | {"@id": {"nested": ["z" * 70_000]}}

    with pytest.raises(UnreadableDocument, match="no UiTdatabank event id in @id an object"):
        read_event(document)


def test_a_lone_surrogate_escape_reads_as_the_replacement_character(
    load_event: LoadEvent,
) -> None:
    """JSON's "\\ud800" parses to a lone surrogate, which UTF-8 cannot encode: storing
    the activity or serialising its event failed (PydanticSerializationError)."""
    document = load_event("original")
    document["name"] = {"nl": "Punk\\ud800fest"}
    document["location"]["address"]["nl"]["addressLocality"] = "Leu\\udfffven"
    document["terms"] = [{"id": "\\ud83d1.7.6.0.0", "domain": "theme"}]
    body = json.dumps(document).replace("\\\\u", "\\u")  # the escapes as UiTdatabank sends them
    item = parse(body)
    assert isinstance(item, Document)

    activity = read_event(item.body)

    assert activity.name == "Punk\ufffdfest"
    assert activity.location.locality == "Leu\ufffdven"
    assert activity.theme_ids == ("\ufffd1.7.6.0.0",)
    payload = ActivityUpdated.model_validate(to_snapshot(activity).model_dump())
    event = CATALOG.new_event(payload, source=SOURCE)
    assert "Punk\ufffdfest" in event.to_json()


@pytest.mark.parametrize("kind", [["members"], {"type": "members"}])
def test_an_audience_type_that_is_no_string_is_everyone(load_event: LoadEvent, kind: Any) -> None:
    """`kind in AUDIENCES` raised TypeError (unhashable) for a list or an object."""
    document = load_event("original") | {"audience": {"audienceType": kind}}

    assert read_event(document).audience == "everyone"
