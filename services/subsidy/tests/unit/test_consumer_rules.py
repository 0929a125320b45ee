"""What the subsidy consumer does with events it cannot or need not use (ADR 0009).

Unknown types and versions are dead-lettered (and counted by type), contract violations
dead-lettered without running the handler, the topics' types subsidy does not use skipped.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from libs.stemkit.tests.stemkit_support import FakeRecord
from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.registry import ACADEMY_TOPIC
from stemkit.eventing.consumer import Outcome
from stemkit.eventing.envelope import CloudEvent, Headers
from subsidy.config import Settings
from subsidy.entrypoints.consumer import events_consumer


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


async def test_unknown_types_are_dead_lettered_unused_ones_skipped(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    group = f"subsidy-rules-{uuid.uuid4().hex[:6]}"
    consumer = events_consumer(Settings(consumer_group=group), async_sessionmaker(engine))
    sent: list[tuple[dict[str, object], dict[str, bytes]]] = []

    async def dead_letters(_key: bytes | None, value: bytes, headers: Headers) -> None:
        sent.append((json.loads(value), dict(headers)))

    cases: list[tuple[str, str, dict[str, object]]] = [
        (ACTIVITY_TOPIC, "be.vlaio.stem.activity.published.v2", {"activity_id": "a1"}),
        (ACTIVITY_TOPIC, "be.vlaio.stem.activity.cancelled.v1", {"activity_id": "a1"}),
        (ACADEMY_TOPIC, "be.vlaio.stem.activity.withdrawn.v1", {"activity_id": "a1"}),
        (ACTIVITY_TOPIC, "be.vlaio.stem.activity.withdrawn.v1", {"activity_id": 7}),
        (ACADEMY_TOPIC, "be.vlaio.stem.academy.participants_reported.v1", {}),
    ]
    outcomes = []
    for offset, (topic, type_name, data) in enumerate(cases):
        record = FakeRecord.of(event(type_name, data), offset=offset, topic=topic)
        outcomes.append(await consumer.process(record, asyncio.Event(), dead_letters))
    await engine.dispose()

    X = Outcome.DEAD_LETTERED
    assert outcomes == [X, X, X, X, Outcome.SKIPPED]
    categories = [headers["dlq_category"] for _, headers in sent]
    assert categories == [b"unknown_type"] * 3 + [b"contract"]
    for type_name in (
        "be.vlaio.stem.activity.published.v2",
        "be.vlaio.stem.activity.cancelled.v1",
        "be.vlaio.stem.activity.withdrawn.v1",  # catalogued, but not on the academy topic
    ):
        labels = {"consumer": group, "type": type_name}
        assert REGISTRY.get_sample_value("stem_events_unknown_total", labels) == 1
    skipped = {
        "consumer": group,
        "type": "be.vlaio.stem.academy.participants_reported.v1",
        "outcome": "skipped",
    }
    assert REGISTRY.get_sample_value("stem_events_handled_total", skipped) == 1
