"""KafkaPublisher says a message is unsendable only when it is the first one not
acknowledged: the relay parks exactly that row (ADR 0008). A fake producer, no broker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError

from libs.stemkit.tests.stemkit_support import thing_catalog, thing_event, unique_topic
from stemkit.eventing.kafka import KafkaPublisher
from stemkit.eventing.relay import OutboxMessage, PublishError


class FakeProducer:
    """send(): raises `refuse[key]` for that key, else a future resolved per `outcome`."""

    def __init__(self, refuse: dict[str, BaseException], hang: set[str]) -> None:
        self.refuse, self.hang = refuse, hang

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> Any:
        name = key.decode()
        if name in self.refuse:
            raise self.refuse[name]
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if name not in self.hang:
            future.set_result(None)
        return future

    async def stop(self) -> None:
        return None


def messages(*keys: str) -> list[OutboxMessage]:
    catalog = thing_catalog(unique_topic())
    out = []
    for seq, key in enumerate(keys, 1):
        event = thing_event(catalog, key, seq)
        out.append(
            OutboxMessage(
                seq=seq,
                event_id=event.id,
                topic=catalog.get(event.type).topic,
                key=key,
                event_type=event.type,
                envelope=event.to_json(),
                created_at=datetime.now(UTC),
                attempts=0,
            )
        )
    return out


async def publish(producer: FakeProducer, batch: list[OutboxMessage]) -> PublishError:
    publisher = KafkaPublisher("localhost:9", timeout=0.2)
    publisher._producer = producer
    with pytest.raises(PublishError) as raised:
        await publisher.publish(batch)
    return raised.value


async def test_the_first_unacknowledged_message_refused_for_its_size_is_unsendable() -> None:
    error = await publish(
        FakeProducer({"big": MessageSizeTooLargeError("2.2 MB")}, set()), messages("a", "big", "b")
    )
    assert (error.acknowledged, error.unsendable) == (1, True)
    assert error.error_type == "MessageSizeTooLargeError"


async def test_a_refusal_behind_an_unacknowledged_message_parks_nothing() -> None:
    error = await publish(
        FakeProducer({"big": MessageSizeTooLargeError("2.2 MB")}, {"slow"}),
        messages("slow", "big"),
    )
    assert (error.acknowledged, error.unsendable) == (0, False)


async def test_an_envelope_that_is_no_record_is_unsendable() -> None:
    batch = messages("a", "b")
    batch[1] = OutboxMessage(**{**batch[1].__dict__, "envelope": "{not a cloud event"})
    error = await publish(FakeProducer({}, set()), batch)
    assert (error.acknowledged, error.unsendable) == (1, True)


async def test_a_connection_error_is_never_unsendable() -> None:
    error = await publish(
        FakeProducer({"a": KafkaConnectionError("broker down")}, set()), messages("a", "b")
    )
    assert (error.acknowledged, error.unsendable) == (0, False)
