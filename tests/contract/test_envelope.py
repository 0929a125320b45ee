"""The CloudEvents envelope and its Kafka binary-mode binding."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from stemkit.contracts import CATALOG
from stemkit.contracts.subsidy import ReachChanged
from stemkit.eventing import CloudEvent, EventCatalog, EventType
from stemkit.eventing.envelope import EnvelopeError


def reach_event() -> CloudEvent:
    payload = ReachChanged(academy_id="acad-1", year=2024, nis_code="24062", reached=True)
    return CATALOG.new_event(payload, source="/stem/subsidy")


def test_subject_and_kafka_key_are_the_aggregate_id() -> None:
    event = reach_event()
    key, value, headers = event.to_kafka()
    assert event.subject == "acad-1"
    assert key == b"acad-1"
    assert json.loads(value)["nis_code"] == "24062"
    names = dict(headers)
    assert names["ce_type"] == b"be.vlaio.stem.reach.changed.v1"
    assert names["content-type"] == b"application/json"
    assert event.major_version == 1


def test_binary_and_structured_mode_both_read_back() -> None:
    event = reach_event()
    assert CloudEvent.from_kafka(*event.to_kafka()) == event
    structured = [("content-type", b"application/cloudevents+json; charset=UTF-8")]
    assert CloudEvent.from_kafka(b"acad-1", event.to_json().encode(), structured) == event


def test_time_is_normalised_to_utc_and_must_have_a_zone() -> None:
    event = reach_event()
    brussels = event.model_copy(update={}).model_dump()
    brussels["time"] = datetime(2025, 1, 1, 10, tzinfo=timezone(timedelta(hours=1)))
    assert CloudEvent.model_validate(brussels).time == datetime(2025, 1, 1, 9, tzinfo=UTC)
    brussels["time"] = datetime(2025, 1, 1, 10)
    with pytest.raises(ValidationError):
        CloudEvent.model_validate(brussels)


@pytest.mark.parametrize(
    ("value", "headers"),
    [
        (b'{"a":1}', []),
        (b"not json", [("ce_id", b"1"), ("ce_type", b"x.y.v1")]),
        (b"{}", [("content-type", b"application/cloudevents+json")]),
    ],
)
def test_a_message_that_is_not_a_cloudevent_is_refused_clearly(
    value: bytes, headers: list[tuple[str, bytes]]
) -> None:
    with pytest.raises(EnvelopeError):
        CloudEvent.from_kafka(b"k", value, headers)


class _Thing(BaseModel):
    thing_id: str


def test_catalogue_refuses_types_without_major_version_or_mismatched_topic() -> None:
    with pytest.raises(ValueError, match="major"):
        EventType("be.x.thing.created", "t.v1", _Thing, "thing_id", "")
    with pytest.raises(ValueError, match="major version"):
        EventType("be.x.thing.created.v2", "t.v1", _Thing, "thing_id", "")
    with pytest.raises(ValueError, match="no field"):
        EventType("be.x.thing.created.v1", "t.v1", _Thing, "missing", "")
    one = EventType("be.x.thing.created.v1", "t.v1", _Thing, "thing_id", "")
    with pytest.raises(ValueError, match="twice"):
        EventCatalog([one, one])


def test_parse_validates_the_data_against_the_payload_model() -> None:
    event = reach_event()
    bad = CloudEvent.model_validate({**event.model_dump(), "data": {"academy_id": "a"}})
    with pytest.raises(ValidationError):
        CATALOG.parse(bad)
