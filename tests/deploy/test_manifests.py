"""deploy/k8s against its sources: deploy/topics.yaml, the services' code, the Procfile.

Offline and fast: these read the committed manifests. scripts/check-deploy.sh does the
heavier checks (kustomize build, schema validation, policy scan, promtool).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.k8s import render
from tools.k8s.consistency import acl_problems, topic_problems
from tools.k8s.inventory import K8S_DIR, REPO_ROOT, SERVICES, Service, service, topics

BASE = K8S_DIR / "base"


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_generated_manifests_are_up_to_date() -> None:
    stale = [
        str(path.relative_to(REPO_ROOT))
        for path, text in render.rendered().items()
        if not path.exists() or path.read_text() != text
    ]
    assert not stale, f"run `uv run python -m tools.k8s.render write`: {stale}"


def test_kafka_topics_equal_deploy_topics_yaml() -> None:
    manifests = docs(BASE / "kafka" / "topics.yaml")
    declared = topics()
    assert topic_problems(manifests, declared) == []
    names = [d["spec"]["topicName"] for d in manifests]
    assert names == [t.name for t in declared]


def test_a_changed_declaration_is_noticed() -> None:
    declared = topics()
    manifests = docs(BASE / "kafka" / "topics.yaml")
    manifests[0]["spec"]["partitions"] += 1
    manifests.pop()
    problems = topic_problems(manifests, declared)
    assert any("partitions" in p for p in problems)
    assert any("has no KafkaTopic" in p for p in problems)


def test_acls_services_write_only_their_topics_subscriber_reads_only_public() -> None:
    users = docs(BASE / "kafka" / "users.yaml")
    assert acl_problems(users, topics()) == []


def test_a_too_broad_acl_is_noticed() -> None:
    users = docs(BASE / "kafka" / "users.yaml")
    subscriber = next(u for u in users if u["metadata"]["name"] == "external-subscriber")
    subscriber["spec"]["authorization"]["acls"].append(
        {
            "resource": {"type": "topic", "name": "stem.subsidy.dlq.v1"},
            "operations": ["Read", "Write"],
        }
    )
    problems = acl_problems(users, topics())
    assert any("may only read" in p for p in problems)
    assert any("not a public topic" in p for p in problems)


def test_every_topic_owner_is_a_service_with_a_relay_or_consumer() -> None:
    owners = {t.owner for t in topics()}
    writers = {s.name for s in SERVICES if s.uses_kafka}
    assert owners <= writers


@pytest.mark.parametrize("svc", [s for s in SERVICES if s.consumer], ids=lambda s: s.name)
def test_consumers_match_the_code(svc: Service) -> None:
    assert svc.consumer is not None
    module = importlib.import_module(f"{svc.name}.entrypoints.consumer")
    settings = importlib.import_module(f"{svc.name}.config").Settings()
    group = getattr(module, "GROUP", None) or settings.consumer_group
    dead_letters = getattr(module, "DEAD_LETTER_TOPIC", None) or settings.dead_letter_topic
    assert sorted(module.TOPICS) == sorted(svc.consumer.reads)
    assert group == svc.consumer.group
    assert dead_letters == svc.consumer.dead_letter_topic
    assert settings.consumer_metrics_port == svc.consumer.metrics_port
    owned = {t.name for t in topics() if t.owner == svc.name}
    assert dead_letters in owned


@pytest.mark.parametrize("svc", [s for s in SERVICES if s.relay_metrics_port], ids=lambda s: s.name)
def test_relay_metrics_ports_match_the_code(svc: Service) -> None:
    settings = importlib.import_module(f"{svc.name}.config").Settings()
    assert settings.relay_metrics_port == svc.relay_metrics_port


def test_every_procfile_process_has_a_deployment() -> None:
    deployments: dict[str, list[str]] = {}
    for svc in SERVICES:
        for d in docs(BASE / f"{svc.name}.yaml"):
            if d["kind"] == "Deployment":
                container = d["spec"]["template"]["spec"]["containers"][0]
                deployments[d["metadata"]["name"]] = container["command"]
    procfile = (REPO_ROOT / "Procfile").read_text().splitlines()
    for line in procfile:
        name, _, command = line.partition(":")
        assert name.strip() in deployments, f"Procfile process {name} has no Deployment"
        words = command.split()
        deployed = deployments[name.strip()]
        # the same program and module; the Procfile binds to 127.0.0.1, pods to 0.0.0.0
        assert Path(words[0]).name == deployed[0]
        assert words[1:3] == deployed[1:3]
        if "--port" in words:
            assert words[words.index("--port") + 1] == deployed[deployed.index("--port") + 1]
    assert len(deployments) == len(procfile)


@pytest.mark.parametrize(
    "svc", [s for s in SERVICES if s.worker_metrics_port], ids=lambda s: s.name
)
def test_worker_metrics_ports_match_the_code(svc: Service) -> None:
    settings = importlib.import_module(f"{svc.name}.config").Settings()
    assert settings.worker_metrics_port == svc.worker_metrics_port


def test_the_procfile_and_the_e2e_platform_run_the_same_processes() -> None:
    """`make run`, the e2e/chaos Platform and deploy/k8s (above) run one list of processes."""
    from tests.e2e.harness import PROCESSES, SERVICES_WITH_DB

    procfile = (REPO_ROOT / "Procfile").read_text().splitlines()
    names = sorted(line.partition(":")[0].strip() for line in procfile)
    assert names == sorted(["gateway", *SERVICES_WITH_DB, *PROCESSES])


def test_the_activities_worker_runs_apart_from_the_consumer() -> None:
    """ADR 0024: the delivery worker is a Deployment of its own, and the one that may call
    UiTdatabank; the consumer reads Kafka and its database only."""
    deployments = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["command"]
        for d in docs(BASE / "activities.yaml")
        if d["kind"] == "Deployment"
    }
    assert deployments["activities-worker"] == ["python", "-m", "activities.entrypoints.worker"]
    assert deployments["activities-consumer"] == ["python", "-m", "activities.entrypoints.consumer"]
    internet = [
        d["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for d in docs(BASE / "network-policies" / "activities.yaml")
        if d["metadata"]["name"].endswith("-internet-https")
    ]
    assert internet == ["worker"]


def test_pods_are_hardened_and_probed() -> None:
    for svc in SERVICES:
        for d in docs(BASE / f"{svc.name}.yaml"):
            if d["kind"] not in ("Deployment", "Job"):
                continue
            pod = d["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["automountServiceAccountToken"] is False
            for c in pod["containers"]:
                sc = c["securityContext"]
                assert sc["readOnlyRootFilesystem"] is True
                assert sc["allowPrivilegeEscalation"] is False
                assert sc["capabilities"]["drop"] == ["ALL"]
                assert set(c["resources"]) == {"requests", "limits"}
                for env in c.get("env", []):
                    assert "value" not in env, f"{env['name']}: secrets only by reference"
                if d["metadata"]["labels"]["app.kubernetes.io/component"] == "api":
                    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
                    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_relay_is_a_singleton() -> None:
    for svc in SERVICES:
        for d in docs(BASE / f"{svc.name}.yaml"):
            if d["metadata"]["name"] == f"{svc.name}-relay":
                if d["kind"] == "Deployment":
                    assert d["spec"]["replicas"] == 1
                    assert d["spec"]["strategy"] == {"type": "Recreate"}
                assert d["kind"] not in ("HorizontalPodAutoscaler", "PodDisruptionBudget")


def test_the_gateway_may_read_what_its_change_feed_reads() -> None:
    """ADR 0016: the gateway's KafkaUser reads the topics whose events end cached answers."""
    from gateway.schema.cacheability import TOPICS

    assert sorted(service("gateway").reads_without_group) == sorted(TOPICS)
