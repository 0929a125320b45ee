"""Consumers scale on their group's lag (KEDA ScaledObjects, ADR 0017), the APIs on CPU.

Offline: reads the committed manifests. scripts/check-deploy.sh validates the ScaledObjects
and TriggerAuthentications against KEDA's own CRDs (tools/k8s/toolchain.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.k8s.inventory import K8S_DIR, SERVICES, Service, topics

BASE = K8S_DIR / "base"
CONSUMERS = [s for s in SERVICES if s.consumer is not None]


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def by_kind(svc: Service, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs(BASE / f"{svc.name}.yaml") if d["kind"] == kind}


@pytest.mark.parametrize("svc", CONSUMERS, ids=lambda s: s.name)
def test_the_consumer_scales_on_its_group_lag_not_on_cpu(svc: Service) -> None:
    assert svc.consumer is not None
    name = f"{svc.name}-consumer"
    hpas = by_kind(svc, "HorizontalPodAutoscaler")
    assert name not in hpas, "a CPU HPA next to KEDA's would fight it over the replicas"
    scaled = by_kind(svc, "ScaledObject")[name]["spec"]
    assert scaled["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    partitions = {t.name: t.partitions for t in topics()}
    # more members than the largest topic has partitions would sit idle
    assert scaled["minReplicaCount"] == 1
    assert scaled["maxReplicaCount"] == max(partitions[t] for t in svc.consumer.reads)
    [trigger] = [t for t in scaled["triggers"] if t["type"] == "kafka"]
    meta = trigger["metadata"]
    assert meta["consumerGroup"] == svc.consumer.group
    assert "topic" not in meta, "without a topic KEDA adds up every topic the group reads"
    assert int(meta["lagThreshold"]) > 0
    assert (meta["sasl"], meta["tls"]) == ("scram_sha512", "enable")
    auth = by_kind(svc, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]["spec"]
    secrets = {r["parameter"]: (r["name"], r["key"]) for r in auth["secretTargetRef"]}
    assert secrets["password"] == (svc.name, "password")  # the service's KafkaUser secret
    assert secrets["ca"] == ("stem-cluster-ca-cert", "ca.crt")
    assert [e["name"] for e in auth["env"] if e["parameter"] == "username"] == [
        "KAFKA_SASL_USERNAME"
    ]


def test_the_activities_worker_scales_on_the_delivery_backlog() -> None:
    """ADR 0024: the worker is no consumer (no group lag); with Prometheus
    (components/monitoring) KEDA scales it on the age of the oldest due delivery, and
    without it (base) it runs one replica, never on CPU."""
    activities = next(s for s in SERVICES if s.name == "activities")
    assert "activities-worker" not in by_kind(activities, "HorizontalPodAutoscaler")
    assert "activities-worker" not in by_kind(activities, "ScaledObject")
    [worker] = [
        d
        for d in docs(BASE / "activities.yaml")
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "activities-worker"
    ]
    assert worker["spec"]["replicas"] == 1
    monitoring = K8S_DIR / "components" / "monitoring"
    component = yaml.safe_load((monitoring / "kustomization.yaml").read_text())
    assert "keda-delivery-backlog.yaml" in component["resources"]
    [scaled] = docs(monitoring / "keda-delivery-backlog.yaml")
    assert scaled["kind"] == "ScaledObject"
    assert scaled["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "activities-worker",
    }
    assert scaled["spec"]["minReplicaCount"] == 1
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus"
    assert "stem_activities_delivery_backlog_oldest_age_seconds" in trigger["metadata"]["query"]
    # the consumer keeps its one trigger, on its group's lag
    consumer = by_kind(activities, "ScaledObject")["activities-consumer"]
    assert [t["type"] for t in consumer["spec"]["triggers"]] == ["kafka"]


def test_the_apis_keep_their_cpu_hpa() -> None:
    for svc in SERVICES:
        assert svc.name in by_kind(svc, "HorizontalPodAutoscaler")


def test_keda_reaches_the_bootstrap_of_each_overlays_namespace() -> None:
    """KEDA's operator runs in namespace `keda`: the bootstrap address must be the
    Service's full name, in the namespace of the overlay, and Strimzi must let it in."""
    overlays = {
        o: yaml.safe_load((K8S_DIR / "overlays" / o / "kustomization.yaml").read_text())
        for o in ("dev", "prod")
    }
    for svc in CONSUMERS:
        [scaled] = by_kind(svc, "ScaledObject").values()
        server = scaled["spec"]["triggers"][0]["metadata"]["bootstrapServers"]
        assert server == f"stem-kafka-bootstrap.{overlays['prod']['namespace']}.svc:9093"
    dev_patches = [
        p["patch"] for p in overlays["dev"]["patches"] if p["target"].get("kind") == "ScaledObject"
    ]
    assert any(f".{overlays['dev']['namespace']}.svc:9093" in p for p in dev_patches)
    [kafka] = [d for d in docs(BASE / "kafka" / "kafka.yaml") if d["kind"] == "Kafka"]
    [tls] = [x for x in kafka["spec"]["kafka"]["listeners"] if x["name"] == "tls"]
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "keda-operator"}},
    } in tls["networkPolicyPeers"]
