"""Create the Kafka topics declared in deploy/topics.yaml (idempotent).

Usage (from the repository root):

    uv run python tools/infra/topics.py [--bootstrap HOST:PORT] [--file deploy/topics.yaml]
                                        [--replication-factor N] [--timeout 60]

``--bootstrap`` defaults to env KAFKA_BOOTSTRAP_SERVERS, else localhost:9092. Topics that
already exist are left alone (a partition count that differs from the declaration is reported
as a warning, never changed). Prints one line per topic: ``created NAME`` or ``exists NAME``.
After creating, it waits until every declared partition has a leader. On a cluster of 3
brokers or more (kafka.py start --brokers 3) the topics get deploy/k8s's settings: replication
factor 3, min.insync.replicas=2, unclean.leader.election.enable=false.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

REPO_ROOT = Path(__file__).resolve().parents[2]
TOPICS_FILE = REPO_ROOT / "deploy" / "topics.yaml"
TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    public: bool
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def load_topics(path: Path = TOPICS_FILE) -> list[TopicSpec]:
    """Read and check the declared topic list."""
    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict) or not isinstance(doc.get("topics"), list):
        raise ValueError(f"{path}: expected a mapping with a 'topics' list")
    specs: list[TopicSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["topics"]):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: topics[{i}] is not a mapping")
        name = raw.get("name")
        partitions = raw.get("partitions")
        owner = raw.get("owner")
        public = raw.get("public")
        config = raw.get("config") or {}
        if not isinstance(name, str) or not name:
            raise ValueError(f"{path}: topics[{i}] has no name")
        if name in seen:
            raise ValueError(f"{path}: topic {name} declared twice")
        seen.add(name)
        if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
            raise ValueError(f"{path}: {name}: partitions must be an integer >= 1")
        if not isinstance(owner, str) or not owner:
            raise ValueError(f"{path}: {name}: owner must be a service name")
        if not isinstance(public, bool):
            raise ValueError(f"{path}: {name}: public must be true or false")
        if not isinstance(config, dict):
            raise ValueError(f"{path}: {name}: config must be a mapping")
        specs.append(
            TopicSpec(
                name=name,
                owner=owner,
                public=public,
                partitions=partitions,
                config={str(k): str(v) for k, v in config.items()},
            )
        )
    return specs


def _partition_leaders(meta: dict[str, Any]) -> list[int]:
    return [int(p["leader"]) for p in meta.get("partitions", [])]


def replica_settings(replication_factor: int) -> dict[str, str]:
    """The topic configs that go with a replication factor: from 3 replicas on, those of
    deploy/k8s (Strimzi's Kafka sets min ISR 2 and leaves unclean election off), written on
    each topic so they hold whatever the broker defaults are."""
    if replication_factor < 3:
        return {}
    return {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"}


async def ensure_topics(
    bootstrap: str,
    specs: list[TopicSpec],
    replication_factor: int | None = 1,
    timeout_s: float = 60.0,
) -> dict[str, str]:
    """Create missing topics; return {name: "created" | "exists"}. ``replication_factor``
    None: 3 when the cluster has 3 brokers or more, else 1."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="stem-topics",
        request_timeout_ms=int(timeout_s * 1000),
    )
    await admin.start()
    try:
        if replication_factor is None:
            cluster = await admin.describe_cluster()
            replication_factor = 3 if len(cluster["brokers"]) >= 3 else 1
        existing = set(await admin.list_topics())
        result: dict[str, str] = {}
        missing = [s for s in specs if s.name not in existing]
        for s in specs:
            if s.name in existing:
                result[s.name] = "exists"
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        name=s.name,
                        num_partitions=s.partitions,
                        replication_factor=replication_factor,
                        topic_configs={**replica_settings(replication_factor), **s.config},
                    )
                    for s in missing
                ],
                timeout_ms=int(timeout_s * 1000),
            )
            for entry in response.topic_errors:
                name, code = entry[0], entry[1]
                message = entry[2] if len(entry) > 2 else None
                if code == 0:
                    result[name] = "created"
                elif code == TOPIC_ALREADY_EXISTS:  # created meanwhile by someone else
                    result[name] = "exists"
                else:
                    err = for_code(code)
                    raise RuntimeError(f"creating {name} failed: {err.__name__} {message or ''}")

        # wait until every declared partition has a leader, so producers can use them at once
        deadline = time.monotonic() + timeout_s
        names = [s.name for s in specs]
        while True:
            metas = await admin.describe_topics(names)
            by_name = {m["topic"]: m for m in metas}
            pending = [
                n
                for n in names
                if n not in by_name
                or by_name[n]["error_code"] != 0
                or not _partition_leaders(by_name[n])
                or min(_partition_leaders(by_name[n])) < 0
            ]
            if not pending:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics without leaders after {timeout_s:.0f} s: {pending}")
            await asyncio.sleep(0.2)
        for s in specs:
            have = len(by_name[s.name]["partitions"])
            if have != s.partitions:
                print(
                    f"warning: {s.name} has {have} partitions, deploy/topics.yaml declares "
                    f"{s.partitions} (left alone)",
                    file=sys.stderr,
                )
        return result
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="topics.py", description="Create the topics declared in deploy/topics.yaml."
    )
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or "localhost:9092",
        help="bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or localhost:9092)",
    )
    parser.add_argument("--file", type=Path, default=TOPICS_FILE, help="declared topic list")
    parser.add_argument(
        "--replication-factor",
        type=int,
        default=None,
        help="default: 3 (with min.insync.replicas=2, unclean leader election off, as in "
        "deploy/k8s) when the cluster has 3 brokers or more, else 1",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds")
    args = parser.parse_args(argv)
    try:
        specs = load_topics(args.file)
        result = asyncio.run(
            ensure_topics(args.bootstrap, specs, args.replication_factor, args.timeout)
        )
    except Exception as exc:
        print(f"topics.py: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for s in specs:
        print(f"{result[s.name]} {s.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
