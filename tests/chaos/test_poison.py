"""The poison mix of `make chaos` and its stall measure, without running the platform: the
plan holds at least 1 % hostile changes of at least 8 kinds, on every consumed topic; the
hostile inputs are what they claim to be; a stall is measured and judged as documented."""

from __future__ import annotations

import json
import random
from collections import Counter

import httpx
import pytest

from tests.chaos import poison
from tests.chaos.reference import UNLINKED_ORGANIZER, linked_academies, unambiguous_postal_codes
from tests.chaos.stalls import StallWatch, Window
from tests.chaos.tally import tally
from tests.chaos.workload import Plan, make_plan
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.store import Store


def plan(changes: int, seed: int = 7) -> Plan:
    return make_plan(
        seed, changes, linked_academies(), UNLINKED_ORGANIZER, unambiguous_postal_codes()
    )


def test_the_full_run_holds_at_least_1_percent_hostile_changes_of_8_kinds() -> None:
    steps = plan(10_000).steps
    hostile = [s for s in steps if s.kind == "hostile"]
    assert len(steps) == 10_000
    assert len(hostile) >= 100
    assert len({s.hostile for s in hostile}) >= 8
    assert set(poison.HOSTILE) == {s.hostile for s in hostile}
    # poison records straight to every topic a service consumes, of every record kind
    written = {(s.hostile, s.topic) for s in hostile if s.topic}
    records = [k for k, v in poison.HOSTILE.items() if v.channel == "kafka"]
    assert written == {(k, t) for k in records for t in poison.CONSUMED}


def test_a_small_run_still_has_every_variant_once() -> None:
    hostile = Counter((s.hostile, s.topic) for s in plan(300).steps if s.kind == "hostile")
    assert set(hostile) == set(poison.variants())


def test_the_tally_says_what_becomes_of_each_hostile_change() -> None:
    expected = tally(plan(400, seed=3), linked_academies())
    by_kind = {h.kind: h for h in expected.hostile}
    assert by_kind["iri_bad_port"].expected == "quarantined"
    assert by_kind["deep_json_webhook"].expected == "refused"
    record = by_kind["record_deep_json"]
    assert record.expected == "dead_lettered"
    assert record.item.startswith(poison.KEY_PREFIX)
    assert set(record.dead_letter_topics) <= set(poison.DEAD_LETTER_TOPIC.values())
    # no hostile change is an activity of the good tally
    assert not {h.item for h in expected.hostile} & set(expected.activities)


def test_the_oversized_document_is_under_the_webhook_limit_with_30000_dates() -> None:
    body = poison.oversized_document(random.Random(1), "a" * 36, UNLINKED_ORGANIZER)
    document = json.loads(body)
    assert len(body) < 1024 * 1024
    starts = [s["startDate"] for s in document["subEvent"]]
    assert len(set(starts)) == len(starts) == 30_000


def test_deep_and_invalid_bodies_are_what_they_claim() -> None:
    with pytest.raises(RecursionError):
        json.loads(poison.deep_json())
    with pytest.raises(UnicodeDecodeError):
        poison.invalid_utf8(random.Random(2)).decode("utf-8")


async def test_the_stand_in_redirects_off_host_and_answers_raw_bytes() -> None:
    store = Store()
    store.redirects["x1"] = "http://localhost:1/events/y1"
    store.raw["x2"] = b"\xff\xfe"
    transport = httpx.ASGITransport(create_standin(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://standin") as client:
        moved = await client.get("/events/x1")
        raw = await client.get("/events/x2")
    assert moved.status_code == 307
    assert moved.headers["location"] == "http://localhost:1/events/y1"
    assert raw.content == b"\xff\xfe"


def test_a_stall_is_work_waiting_without_progress_and_a_fault_may_explain_it() -> None:
    watch = StallWatch("unused:9092", {})
    samples = [  # (time, waiting, progress token) of one stage
        (0.0, 5, 1),
        (1.0, 5, 2),  # progress
        (2.0, 5, 2),
        (5.0, 5, 2),
        (8.5, 4, 3),  # stalled from 1.0 to 8.5
        (9.0, 0, 3),  # nothing waiting
        (20.0, 0, 3),  # idle is no stall
        (30.0, 2, 4),
        (33.0, 2, 4),
        (45.0, 2, 5),  # stalled from 30 to 45
    ]
    for at, waiting, token in samples:
        watch._update(at, {"subsidy consumer": (waiting, token)})
    assert [(s.start, s.seconds) for s in watch.stalls] == [(1.0, 7.5), (30.0, 15.0)]
    judged = watch.judged([Window("subsidy-consumer", 28.0, 29.0), Window("registry-relay", 0, 9)])
    assert [s.explained_by for s in judged] == [None, "subsidy-consumer"]


def test_the_ci_run_leaves_out_the_kinds_quarantined_only_after_minutes() -> None:
    steps = make_plan(
        7,
        300,
        linked_academies(),
        UNLINKED_ORGANIZER,
        unambiguous_postal_codes(),
        slow_poison=False,
    ).steps
    kinds = {s.hostile for s in steps if s.kind == "hostile"}
    assert kinds == {k for k, v in poison.HOSTILE.items() if not v.slow}
    assert len(kinds) >= 8


def test_poison_goes_to_every_topic_a_service_consumes_in_a_type_each_consumer_handles() -> None:
    from activities.entrypoints import consumer as activities_consumer
    from activities.service_layer import handlers as activities_handlers
    from subsidy.entrypoints import consumer as subsidy_consumer
    from subsidy.service_layer import handlers

    read_by = {
        "activities": set(activities_consumer.TOPICS),
        "subsidy": set(subsidy_consumer.TOPICS),
    }
    handled = {"activities": activities_handlers.HANDLED_TYPES, "subsidy": handlers.HANDLED_TYPES}
    for topic, groups in poison.CONSUMED.items():
        assert {g for g, topics in read_by.items() if topic in topics} == set(groups)
        for group in groups:  # so a wrong-typed record reaches its contract check
            assert poison.KNOWN_TYPE[topic] in handled[group]
    assert set().union(*read_by.values()) == set(poison.CONSUMED)


def test_a_stall_is_put_down_to_the_fault_that_covers_most_of_it() -> None:
    watch = StallWatch("unused:9092", {})
    for at, token in ((30.0, 1), (33.0, 1), (45.0, 2)):
        watch._update(at, {"subsidy consumer": (3, token)})
    faults = [Window("subsidy-consumer", 10.0, 11.0), Window("kafka", 29.0, 44.0)]
    assert [s.explained_by for s in watch.judged(faults)] == ["kafka"]
