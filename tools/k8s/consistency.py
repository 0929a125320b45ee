"""Check built manifests against deploy/topics.yaml: the topics, and who may do what.

    uv run python -m tools.k8s.consistency BUILT.yaml [BUILT.yaml ...]

For each file (a `kustomize build` of an overlay):
- its KafkaTopics are exactly the topics of deploy/topics.yaml, with the same partitions
  and config (the replicas are the overlay's);
- each service's KafkaUser writes only topics that service owns, reads only what its
  consumer reads, and has no cluster-wide, wildcard or `All` rights;
- the external subscriber only reads (Read, Describe), exactly the public topics, with
  consumer groups under its prefix.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from tools.infra.topics import TopicSpec
from tools.k8s.inventory import EXTERNAL_GROUP_PREFIX, EXTERNAL_USER, SERVICES, topics

Doc = dict[str, Any]
READ_ONLY = {"Read", "Describe"}


def load_docs(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def topic_problems(docs: list[Doc], declared: list[TopicSpec]) -> list[str]:
    problems: list[str] = []
    found: dict[str, Doc] = {}
    for doc in docs:
        if doc.get("kind") == "KafkaTopic":
            name = doc["spec"].get("topicName") or doc["metadata"]["name"]
            found[name] = doc
    want = {t.name: t for t in declared}
    for name in sorted(set(want) - set(found)):
        problems.append(f"topic {name} is declared in deploy/topics.yaml but has no KafkaTopic")
    for name in sorted(set(found) - set(want)):
        problems.append(f"KafkaTopic {name} is not declared in deploy/topics.yaml")
    for name in sorted(set(want) & set(found)):
        spec = found[name]["spec"]
        if spec.get("partitions") != want[name].partitions:
            problems.append(
                f"{name}: {spec.get('partitions')} partitions, declared {want[name].partitions}"
            )
        config = {str(k): str(v) for k, v in (spec.get("config") or {}).items()}
        if config != want[name].config:
            problems.append(f"{name}: config {config}, declared {want[name].config}")
    return problems


def _acls(user: Doc) -> list[Doc]:
    return list(user["spec"].get("authorization", {}).get("acls", []))


def acl_problems(docs: list[Doc], declared: list[TopicSpec]) -> list[str]:
    problems: list[str] = []
    users = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "KafkaUser"}
    owner = {t.name: t.owner for t in declared}
    public = {t.name for t in declared if t.public}
    expected_users = {s.name for s in SERVICES if s.uses_kafka} | {EXTERNAL_USER}
    if set(users) != expected_users:
        problems.append(f"KafkaUsers {sorted(users)}, expected {sorted(expected_users)}")
    for name, user in sorted(users.items()):
        for rule in _acls(user):
            res = rule["resource"]
            ops = set(rule["operations"])
            label = f"KafkaUser {name}: {res['type']} {res.get('name')} {sorted(ops)}"
            if rule.get("type", "allow") != "allow":
                continue
            if "All" in ops or res["type"] in ("cluster", "transactionalId"):
                problems.append(f"{label}: too broad")
            if res.get("name") in ("*", "", None):
                problems.append(f"{label}: wildcard resource")
            if name == EXTERNAL_USER:
                if not ops <= READ_ONLY:
                    problems.append(f"{label}: the external subscriber may only read")
                if res["type"] == "topic" and res.get("name") not in public:
                    problems.append(f"{label}: not a public topic")
                if res["type"] == "group" and (
                    res.get("patternType") != "prefix" or res.get("name") != EXTERNAL_GROUP_PREFIX
                ):
                    problems.append(f"{label}: groups must be prefix {EXTERNAL_GROUP_PREFIX}")
                continue
            writes = ops & {"Write", "Create", "Delete", "Alter"}
            if res["type"] == "topic" and writes and owner.get(res.get("name")) != name:
                problems.append(f"{label}: writes a topic it does not own")
            if res["type"] == "topic" and "Read" in ops:
                svc = next((s for s in SERVICES if s.name == name), None)
                reads = svc.consumer.reads if svc and svc.consumer else ()
                # ... and its own dead letters, which its API shows (GET /dead-letters).
                own_dlq = (svc.consumer.dead_letter_topic,) if svc and svc.consumer else ()
                # ... and what its API process reads without a group (gateway, ADR 0016).
                own_reads = svc.reads_without_group if svc else ()
                if res.get("name") not in (*reads, *own_dlq, *own_reads):
                    problems.append(f"{label}: reads a topic its consumer does not read")
        if name == EXTERNAL_USER:
            readable = {
                r["resource"]["name"] for r in _acls(user) if r["resource"]["type"] == "topic"
            }
            if readable != public:
                problems.append(
                    f"KafkaUser {name} reads {sorted(readable)}, public are {sorted(public)}"
                )
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    declared = topics()
    failed = False
    for arg in argv:
        docs = load_docs(Path(arg))
        problems = topic_problems(docs, declared) + acl_problems(docs, declared)
        n_topics = sum(1 for d in docs if d.get("kind") == "KafkaTopic")
        n_users = sum(1 for d in docs if d.get("kind") == "KafkaUser")
        for problem in problems:
            print(f"FAIL {arg}: {problem}")
        print(
            f"{arg}: {n_topics} KafkaTopics vs {len(declared)} declared in deploy/topics.yaml, "
            f"{n_users} KafkaUsers' ACLs: {len(problems)} problems"
        )
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
