"""What the activities consumer does with registry events it cannot or need not use
(ADR 0009).

Unknown types and versions are dead-lettered (and counted by type), contract violations
dead-lettered without running the handler, and the registry's types activities does not
need (recognition, roles, participant reports) skipped.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from activities.config import Settings
from activities.entrypoints.consumer import GROUP, registry_consumer
from libs.stemkit.tests.stemkit_support import FakeRecord
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC
from stemkit.eventing.consumer import Outcome
from stemkit.eventing.envelope import CloudEvent, Headers


def event(type_name: str, data: dict[str, object]) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/stem/test",
        type=type_name,
        subject="s1",
        time="2026-12-01T10:00:00Z",
        dataschema="urn:x",
        data=data,
    )


def count(metric: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, {"consumer": GROUP, **labels}) or 0.0


async def test_unknown_types_are_dead_lettered_unneeded_ones_skipped(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    consumer = registry_consumer(Settings(), async_sessionmaker(engine))
    sent: list[tuple[dict[str, object], dict[str, bytes]]] = []

    async def dead_letters(_key: bytes | None, value: bytes, headers: Headers) -> None:
        sent.append((json.loads(value), dict(headers)))

    unknown = "be.vlaio.stem.academy.merged.v1"
    newer = "be.vlaio.stem.municipality.defined.v2"
    recognition = "be.vlaio.stem.academy.recognition_decided.v1"
    before = (
        count("stem_events_unknown_total", type=unknown),
        count("stem_events_unknown_total", type=newer),
        count("stem_events_handled_total", type=recognition, outcome="skipped"),
    )
    cases: list[tuple[str, str, dict[str, object]]] = [
        (ACADEMY_TOPIC, unknown, {"academy_id": "x"}),
        (MUNICIPALITY_TOPIC, newer, {"nis_code": "11002"}),
        (MUNICIPALITY_TOPIC, "be.vlaio.stem.municipality.defined.v1", {"nis_code": 11002}),
        (ACADEMY_TOPIC, recognition, {}),
    ]
    outcomes = []
    for offset, (topic, type_name, data) in enumerate(cases):
        record = FakeRecord.of(event(type_name, data), offset=offset, topic=topic)
        outcomes.append(await consumer.process(record, asyncio.Event(), dead_letters))
    await engine.dispose()

    X = Outcome.DEAD_LETTERED
    assert outcomes == [X, X, X, Outcome.SKIPPED]
    categories = [headers["dlq_category"] for _, headers in sent]
    assert categories == [b"unknown_type", b"unknown_type", b"contract"]
    after = (
        count("stem_events_unknown_total", type=unknown),
        count("stem_events_unknown_total", type=newer),
        count("stem_events_handled_total", type=recognition, outcome="skipped"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
