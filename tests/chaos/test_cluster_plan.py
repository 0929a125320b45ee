"""`make chaos CLUSTER=1` without running it (the run itself is too heavy for make test):
the fault plan on a cluster hits one replica of every process and each broker fault once,
the single-node plan is what it was, a replica's or a broker's fault explains the stalls
its process or Kafka would, and the loopback balancer spreads connections over the
replicas and skips one that is down."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter

from tests.chaos.faults import BROKER_FAULTS, PROCESSES, fault_plan
from tests.chaos.stalls import Stall, StallWatch, Window, cause_of
from tests.e2e.balancer import RoundRobin
from tests.e2e.harness import ROOT, free_port


def test_the_cluster_plan_kills_a_replica_of_every_process_and_hits_each_broker_once() -> None:
    faults = fault_plan(7, 10_000, 1, replicas=2, cluster=True)
    kinds = Counter(f.what.split("#")[0] for f in faults)
    assert kinds == Counter(
        {**dict.fromkeys(PROCESSES, 1), **dict.fromkeys(BROKER_FAULTS, 1), "postgres": 1}
    )
    assert "kafka" not in kinds  # the brokers' faults replace the one broker's restart
    assert any("#2" in f.what for f in faults)  # a drawn replica, not always the first
    assert [f.at_step for f in faults] == sorted(f.at_step for f in faults)


def test_the_single_node_plan_is_unchanged_by_the_cluster_options() -> None:
    plain = fault_plan(7, 10_000, 2)
    assert plain == fault_plan(7, 10_000, 2, replicas=1, cluster=False)
    assert Counter(f.what for f in plain)["kafka"] == 1
    assert not any("#" in f.what or f.what.startswith("kafka:") for f in plain)


def test_a_replica_or_a_broker_fault_explains_what_its_process_or_kafka_would() -> None:
    assert cause_of("activities-worker#2") == "activities-worker"
    assert cause_of("kafka:controller") == "kafka"
    watch = StallWatch("unused:9092", {})
    watch.stalls = [
        Stall("subsidy consumer", 100.0, 20.0, None),
        Stall("delivery worker", 300.0, 5.0, None),
    ]
    judged = watch.judged(
        [Window("kafka:leader", 95.0, 105.0), Window("activities-worker#2", 298.0, 299.0)]
    )
    assert [s.explained_by for s in judged] == ["kafka:leader", "activities-worker#2"]


def test_the_delivery_worker_is_its_own_process_in_the_plan() -> None:
    """ADR 0024: the worker is killed on its own, and only its faults (or PostgreSQL's)
    explain a stall of the delivery worker; a killed consumer no longer does."""
    procfile = (ROOT / "Procfile").read_text().splitlines()
    assert sorted(PROCESSES) == sorted(line.partition(":")[0] for line in procfile)
    assert "activities-worker" in PROCESSES
    watch = StallWatch("unused:9092", {})
    watch.stalls = [Stall("delivery worker", 300.0, 5.0, None)]
    # killed 20 s before the stall began: within the worker's grace (its claims run out)
    worker = watch.judged([Window("activities-worker", 270.0, 280.0)])
    assert [s.explained_by for s in worker] == ["activities-worker"]
    consumer = watch.judged([Window("activities-consumer", 298.0, 299.0)])
    assert [s.explained_by for s in consumer] == [None]


async def test_the_balancer_spreads_connections_and_skips_a_replica_that_is_down() -> None:
    async def answer(
        name: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readline()
        writer.write(name + b"\n")
        await writer.drain()
        writer.close()

    ports = [free_port() for _ in range(3)]
    servers = [
        await asyncio.start_server(functools.partial(answer, name), "127.0.0.1", port)
        for name, port in zip((b"a", b"b"), ports[:2], strict=True)
    ]  # the third replica is down: nothing listens on its port
    balancer = RoundRobin(free_port(), ports)
    await asyncio.to_thread(balancer.start)
    try:
        seen = []
        for _ in range(6):
            reader, writer = await asyncio.open_connection("127.0.0.1", balancer.port)
            writer.write(b"hello\n")
            await writer.drain()
            seen.append((await reader.readline()).strip())
            writer.close()
        assert Counter(seen) == Counter({b"a": 3, b"b": 3})
        assert balancer.connections == [3, 3, 0]
    finally:
        await asyncio.to_thread(balancer.stop)
        for server in servers:
            server.close()


async def test_a_kafka_call_that_hangs_does_not_hold_up_the_stall_watch() -> None:
    """A paused broker can leave a Kafka call that does not even end when cancelled: the
    watch gives up on it in time and goes on (before, every stage froze with it)."""
    ended = asyncio.Event()

    async def hangs_through_a_cancel() -> dict[str, tuple[int, int]]:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(1.0)  # still busy after the cancel
        ended.set()
        return {}

    watch = StallWatch("unused:9092", {}, kafka_timeout=0.2)
    watch._groups = hangs_through_a_cancel  # type: ignore[method-assign]
    began = asyncio.get_running_loop().time()
    assert await watch._sample_kafka() == {}
    assert asyncio.get_running_loop().time() - began < 0.6  # not the 1 s the call goes on
    assert watch.failed_kafka_samples == 1
    await asyncio.wait_for(ended.wait(), 5)
