"""The poison mix of the chaos run: hostile inputs of every kind issue 14 names, and what the
platform must do with each (docs/bad-input.md), decided here from what is sent only.

Two channels:
- signed webhook deliveries (and what a thin notification makes the worker fetch from the
  Entry API stand-in): each is refused with a 4xx at the door, or stored and then
  quarantined with its reason; none may become an activity;
- records written straight to every topic a service consumes (the registry's academy and
  municipality topics, read by activities and subsidy; the activity topic, read by
  subsidy): each must reach the dead-letter topic of every consumer of its topic, with
  its reason.

Hostile items never share an id with a good one, so the good changes' tally is untouched.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
UIT = "https://io.uitdatabank.be"

Channel = Literal["webhook", "kafka"]
Expected = Literal["refused", "quarantined", "dead_lettered"]


@dataclass(frozen=True)
class HostileKind:
    channel: Channel
    expected: Expected
    what: str  # for the figures and docs/chaos.md
    # Quarantined only after the worker's 8 attempts with backoff (~11 minutes), e.g. a
    # fetched answer that is not JSON (it may be a passing error page). None is now: an
    # answer that is not UTF-8 is refused at once since eb7c31c.
    slow: bool = False


HOSTILE: dict[str, HostileKind] = {
    "iri_bad_port": HostileKind(
        "webhook", "quarantined", "thin notification whose iri has an unparsable port"
    ),
    "oversized_document": HostileKind(
        "webhook", "quarantined", "event with 30,000 subEvents, under the 1 MiB webhook limit"
    ),
    "redirect_off_host": HostileKind(
        "webhook", "quarantined", "thin notification whose fetch redirects to another host"
    ),
    "invalid_utf8_webhook": HostileKind(
        "webhook", "refused", "webhook body that is not UTF-8 (cannot be verified: 401)"
    ),
    "invalid_utf8_fetched": HostileKind(
        "webhook", "quarantined", "thin notification whose fetched document is not UTF-8"
    ),
    "deep_json_webhook": HostileKind(
        "webhook", "refused", "webhook body of 100,000 nested arrays (400)"
    ),
    "deep_json_fetched": HostileKind(
        "webhook", "quarantined", "thin notification whose fetched document nests 100,000 deep"
    ),
    "wrong_types_document": HostileKind(
        "webhook", "quarantined", "event document with a wrong type in every field"
    ),
    "wrong_types_notification": HostileKind(
        "webhook", "quarantined", "thin notification with a wrong type in every field"
    ),
    "record_deep_json": HostileKind(
        "kafka", "dead_lettered", "record whose value nests 100,000 arrays deep"
    ),
    "record_invalid_utf8": HostileKind("kafka", "dead_lettered", "record whose value is not UTF-8"),
    "record_unknown_type": HostileKind(
        "kafka", "dead_lettered", "CloudEvent of a type or major version nobody knows"
    ),
    "record_wrong_types": HostileKind(
        "kafka", "dead_lettered", "CloudEvent of a known type, every data field of a wrong type"
    ),
}

# Every topic a service consumes, with the consumer groups that read it and their
# dead-letter topics.
CONSUMED: dict[str, tuple[str, ...]] = {
    "stem.registry.academy.v1": ("activities", "subsidy"),
    "stem.registry.municipality.v1": ("activities", "subsidy"),
    "stem.activities.activity.v1": ("subsidy",),
}
DEAD_LETTER_TOPIC = {"activities": "stem.activities.dlq.v1", "subsidy": "stem.subsidy.dlq.v1"}
# A catalogued type of each topic, handled by every consumer of the topic.
KNOWN_TYPE = {
    "stem.registry.academy.v1": "be.vlaio.stem.academy.registered.v1",
    "stem.registry.municipality.v1": "be.vlaio.stem.municipality.defined.v1",
    "stem.activities.activity.v1": "be.vlaio.stem.activity.published.v1",
}
KEY_PREFIX = "chaos-poison-"  # the Kafka key of every poison record: observe.py skips them
HOSTILE_SHARE = 0.015  # of the changes, at least one of each variant
DEEP = 100_000
OVERSIZED_SUB_EVENTS = 30_000


def variants(*, slow: bool = True) -> list[tuple[str, str | None]]:
    """(kind, topic): every webhook kind once, every record kind on every consumed topic;
    without the slow kinds if `slow` is false (the small CI run)."""
    found: list[tuple[str, str | None]] = []
    for kind, hostile in HOSTILE.items():
        if hostile.slow and not slow:
            continue
        if hostile.channel == "webhook":
            found.append((kind, None))
        else:
            found += [(kind, topic) for topic in CONSUMED]
    return found


def hostile_count(changes: int, place_count: int, *, slow: bool = True) -> int:
    """How many of `changes` are hostile: 1.5 %, and every variant at least once."""
    room = max(changes - place_count, 0)
    return min(room, max(len(variants(slow=slow)), round(changes * HOSTILE_SHARE)))


def expected_dead_letters(topic: str) -> list[str]:
    """The dead-letter topics a poison record on `topic` must reach, one per consumer."""
    return [DEAD_LETTER_TOPIC[group] for group in CONSUMED[topic]]


# --------------------------------------------------------------------------- webhook bodies


def item_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def notification(iri: Any, item: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": f"chaos-{uuid.uuid4()}",
        "playhead": 1,
        "metadata": {"request_time": int(now.timestamp()), "api": "chaos"},
        "payload": {"item_id": item, "iri": iri},
        "recorded_on": now.isoformat(),
    }


def deep_json() -> bytes:
    return b"[" * DEEP + b"]" * DEEP


def invalid_utf8(rng: random.Random) -> bytes:
    """JSON-looking bytes with lone continuation bytes and an invalid start byte in a string."""
    name = bytes(rng.choice((0x80, 0xBF, 0xC0, 0xFF)) for _ in range(8))
    return b'{"@id": "' + UIT.encode() + b'/event/x", "name": {"nl": "' + name + b'"}}'


def oversized_document(rng: random.Random, activity_id: str, organizer_id: str) -> bytes:
    """An otherwise valid event with 30,000 distinct dates, written compactly: about
    1,000,000 bytes, under the webhook's 1 MiB; read naively, its activity event would be
    about twice the producer's 1 MiB `max_request_size`."""
    first = date(2023, 1, 2)
    starts = sorted(
        {
            datetime.combine(first + timedelta(days=n // 28), time(8 + (n % 28) // 4, (n % 4) * 15))
            for n in range(OVERSIZED_SUB_EVENTS)
        }
    )
    modified = datetime.now(UTC).replace(microsecond=0).astimezone(BRUSSELS).isoformat()
    document = {
        "@id": f"{UIT}/event/{activity_id}",
        "@context": "/contexts/event",
        "mainLanguage": "nl",
        "name": {"nl": f"[CHAOS] te groot {activity_id[:8]}"},
        "calendarType": "multiple",
        # naive times are Brussels time: the shortest readable startDate
        "subEvent": [{"startDate": s.strftime("%Y-%m-%dT%H:%M")} for s in starts],
        "location": {"@id": f"{UIT}/place/{item_id(rng)}", "name": {"nl": "[CHAOS] nergens"}},
        "organizer": {"@id": f"{UIT}/organizers/{organizer_id}"},
        "workflowStatus": "APPROVED",
        "modified": modified,
    }
    body = json.dumps(document, separators=(",", ":")).encode()
    assert len(body) < 1024 * 1024, len(body)
    return body


_WRONG: tuple[Any, ...] = (None, True, 0, -1.5, "", "x" * 300, [], [None], {}, {"nl": 7})


def wrong_types_document(rng: random.Random, activity_id: str) -> bytes:
    """An event whose every field holds a value of another type than UiTdatabank's (the
    `@id` kept, so the document is recognised as this event)."""
    fields = [
        "@context",
        "mainLanguage",
        "languages",
        "name",
        "calendarType",
        "startDate",
        "endDate",
        "availableTo",
        "subEvent",
        "status",
        "location",
        "organizer",
        "terms",
        "typicalAgeRange",
        "audience",
        "workflowStatus",
        "created",
        "modified",
        "creator",
    ]
    document: dict[str, Any] = {"@id": f"{UIT}/event/{activity_id}"}
    for name in fields:
        document[name] = rng.choice(_WRONG)
    if rng.random() < 0.5:  # and sometimes a lone `subEvent` object of wrong dates
        document["subEvent"] = {"startDate": 20240101, "endDate": ["tomorrow"], "status": 3}
    return json.dumps(document).encode()


def wrong_types_notification(rng: random.Random) -> bytes:
    choices: tuple[Any, ...] = (7, [], {"a": 1}, True, None, 1.5)
    body = {
        "id": rng.choice(choices),
        "playhead": "one",
        "payload": {"item_id": rng.choice(choices), "iri": rng.choice((7, ["x"], {"u": 1}))},
        "recorded_on": 12,
    }
    return json.dumps(body).encode()


# --------------------------------------------------------------------------- poison records


def record(
    kind: str, topic: str, key: str, rng: random.Random
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Value and headers of a poison record of `kind` for `topic` (binary-mode CloudEvent
    headers, as a producer of the platform writes them, except where the kind says)."""
    event_type = KNOWN_TYPE[topic]
    if kind == "record_unknown_type":
        event_type = rng.choice(
            (event_type.removesuffix(".v1") + ".v7", "be.vlaio.stem.chaos.unheard_of.v1")
        )
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"chaos-{uuid.uuid4()}".encode()),
        ("ce_source", b"/chaos/poison"),
        ("ce_type", event_type.encode()),
        ("ce_subject", key.encode()),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("ce_dataschema", f"urn:stem-platform:contracts:events:{event_type}".encode()),
        ("content-type", b"application/json"),
        ("chaos_poison", kind.encode()),
    ]
    if kind == "record_deep_json":
        return deep_json(), headers
    if kind == "record_invalid_utf8":
        return b'{"name": "\xc0\xaf\xff\xfe"}', headers
    if kind == "record_wrong_types":
        fields = {
            "stem.registry.academy.v1": (
                "academy_id name uit_organizer_ids home_nis_code demo enterprise_number "
                "website contact_email"
            ),
            "stem.registry.municipality.v1": (
                "nis_code name_nl province_nl valid_from valid_to merged_into_nis "
                "postal_codes centroid"
            ),
            "stem.activities.activity.v1": (
                "activity_id name organizer_id academy_id occurrences location theme_ids "
                "status modified"
            ),
        }[topic].split()
        wrong: tuple[Any, ...] = (7, [1, 2], {"x": None}, True, -3.5, [{"nl": []}])
        data = {name: rng.choice(wrong) for name in fields}
        return json.dumps(data).encode(), headers
    # record_unknown_type: a valid envelope and data the type's v1 would accept or not
    return json.dumps({"chaos": "a type nobody knows", "key": key}).encode(), headers


def valid_document(activity_id: str, organizer_id: str) -> dict[str, Any]:
    """A usable event: what a hostile route (a redirect off-host) hands out, so that a
    platform that follows it wrongly stores an activity the tally says must not exist."""
    modified = datetime.now(UTC).replace(microsecond=0).astimezone(BRUSSELS).isoformat()
    return {
        "@id": f"{UIT}/event/{activity_id}",
        "@context": "/contexts/event",
        "mainLanguage": "nl",
        "name": {"nl": f"[CHAOS] buiten de lijst {activity_id[:8]}"},
        "calendarType": "single",
        "startDate": "2024-05-04T10:00:00+02:00",
        "endDate": "2024-05-04T12:00:00+02:00",
        "subEvent": [
            {"startDate": "2024-05-04T10:00:00+02:00", "endDate": "2024-05-04T12:00:00+02:00"}
        ],
        "location": {"@id": f"{UIT}/place/{activity_id}", "name": {"nl": "[CHAOS] elders"}},
        "organizer": {"@id": f"{UIT}/organizers/{organizer_id}"},
        "workflowStatus": "APPROVED",
        "modified": modified,
    }
