"""EventDispatch: a consumer's handler from a table of payload model -> use case."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from libs.stemkit.tests.stemkit_support import (
    THING_TYPE,
    ThingHappened,
    thing_catalog,
    thing_event,
    unique_topic,
)
from stemkit.eventing.dispatch import EventDispatch

SESSION: Any = object()  # the use cases below never touch it


async def test_each_routed_type_reaches_its_use_case_with_a_validated_payload() -> None:
    catalog = thing_catalog(unique_topic())
    seen: list[tuple[Any, object]] = []

    async def on_thing(session: AsyncSession, payload: ThingHappened) -> None:
        seen.append((session, payload))

    dispatch = EventDispatch(catalog, {ThingHappened: on_thing})
    assert dispatch.handled_types == {THING_TYPE}
    await dispatch.handle_event(SESSION, thing_event(catalog, "t1", 3))
    assert seen == [(SESSION, ThingHappened(thing_id="t1", n=3))]


async def test_a_type_not_routed_does_nothing() -> None:
    catalog = thing_catalog(unique_topic())
    dispatch = EventDispatch(catalog, {})
    assert dispatch.handled_types == frozenset()
    await dispatch.handle_event(SESSION, thing_event(catalog, "t1", 1))  # no use case, no error
    thing = thing_event(catalog, "t1", 2)
    other = thing.model_copy(update={"type": "be.vlaio.stem.test.other.happened.v1"})
    await dispatch.handle_event(SESSION, other)


def test_a_use_case_for_a_payload_no_catalogued_event_carries_is_refused() -> None:
    class Stray(BaseModel):
        x: int

    async def on_stray(_session: AsyncSession, _payload: Stray) -> None:
        raise AssertionError("never reached")

    with pytest.raises(ValueError, match="Stray"):
        EventDispatch(thing_catalog(unique_topic()), {Stray: on_stray})
