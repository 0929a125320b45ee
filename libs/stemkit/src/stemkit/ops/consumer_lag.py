"""A consumer group's lag, read from the broker for ops: per partition the group has
committed, the end offset minus the committed offset.

The consumer process has `stem_consumer_lag` on its own metrics port (for Prometheus); this
is the same figure from the service's API, where the gateway's ops pages can read it, and it
is right even while the consumer process is down (which is when lag matters most).
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, HTTPException, params, status
from pydantic import BaseModel

from stemkit.eventing.kafka_security import connection_options

READ_TIMEOUT_SECONDS = 10.0


class PartitionLag(BaseModel):
    topic: str
    partition: int
    committed: int  # the group's next offset to read
    end: int  # the partition's end offset (highwater)
    lag: int


class GroupLag(BaseModel):
    group: str
    total: int  # the sum of the partitions' lags
    partitions: list[PartitionLag]


async def group_lag(
    bootstrap_servers: str, group: str, timeout_seconds: float = READ_TIMEOUT_SECONDS
) -> GroupLag:
    """The group's lag on every partition it has committed an offset for; nothing is
    joined, committed or moved."""
    timeout_ms = int(timeout_seconds * 1000)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=timeout_ms, **connection_options()
    )
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    offsets = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
    if not offsets:
        return GroupLag(group=group, total=0, partitions=[])
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=timeout_ms,
        **connection_options(),
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(offsets))
    finally:
        await consumer.stop()
    partitions = [
        PartitionLag(
            topic=tp.topic,
            partition=tp.partition,
            committed=offsets[tp],
            end=ends[tp],
            lag=max(ends[tp] - offsets[tp], 0),
        )
        for tp in sorted(offsets, key=lambda tp: (tp.topic, tp.partition))
    ]
    return GroupLag(group=group, total=sum(p.lag for p in partitions), partitions=partitions)


def consumer_lag_router(bootstrap_servers: str, group: str, guard: params.Depends) -> APIRouter:
    """`GET /consumer-lag`: the lag of the service's consumer group, behind `guard` (the
    service's credential check, `stemkit.access.auth`)."""
    router = APIRouter(tags=["ops"], dependencies=[guard])

    @router.get("/consumer-lag")
    async def consumer_lag() -> GroupLag:
        """The lag of this service's consumer group, per partition it has committed: the
        end offset minus the committed offset, read from the broker."""
        try:
            return await group_lag(bootstrap_servers, group)
        except Exception as exc:  # the broker is down or refuses us: say so, do not mask
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"cannot read the lag of {group}: {type(exc).__name__}",
            ) from exc

    return router
