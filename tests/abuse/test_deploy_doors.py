"""The Kubernetes side of issue 17, read from the committed manifests (offline).

NetworkPolicies are part of the base (not an optional component); the activities and subsidy
KafkaUsers may read their own dead-letter topic, which their GET /dead-letters reads; the
ingress routes /feeds and /ops without writing their query strings to an access log; every
process gets the per-caller tokens from a Secret; the metrics servers of relays and consumers
bind loopback unless told otherwise, and the pod's IP in the cluster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stemkit.eventing import runner

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_network_policies_are_part_of_the_base() -> None:
    base = documents(K8S / "base" / "kustomization.yaml")[0]
    assert "network-policies" in base["resources"]
    folder = K8S / "base" / "network-policies"
    listed = documents(folder / "kustomization.yaml")[0]["resources"]
    policies = [d for name in listed for d in documents(folder / name)]
    deny_all = [
        p for p in policies if p["kind"] == "NetworkPolicy" and p["spec"]["podSelector"] == {}
    ]
    assert deny_all, "a default-deny policy"
    for service in ("registry", "activities", "subsidy", "gateway"):
        assert any(p["metadata"]["name"] == f"{service}-api-ingress" for p in policies)


@pytest.mark.parametrize(
    ("user", "topic"),
    [("activities", "stem.activities.dlq.v1"), ("subsidy", "stem.subsidy.dlq.v1")],
)
def test_a_service_that_shows_its_dead_letters_may_read_them(user: str, topic: str) -> None:
    users = {d["metadata"]["name"]: d for d in documents(K8S / "base" / "kafka" / "users.yaml")}
    acls = users[user]["spec"]["authorization"]["acls"]
    reads = [
        a
        for a in acls
        if a["resource"] == {"type": "topic", "name": topic, "patternType": "literal"}
        and "Read" in a["operations"]
    ]
    assert reads, f"KafkaUser {user} may not read {topic}"


def test_feeds_and_ops_are_routed_without_access_logs_of_their_query_strings() -> None:
    ingresses = [d for d in documents(K8S / "base" / "ingress.yaml") if d["kind"] == "Ingress"]
    routed: dict[str, dict[str, Any]] = {}
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routed[path["path"]] = {**path, "annotations": ingress["metadata"]["annotations"]}
    for path in ("/feeds", "/ops"):
        assert path in routed, f"the ingress does not route {path}"
        assert routed[path]["backend"]["service"]["name"] == "gateway"
        annotations = routed[path]["annotations"]
        assert annotations.get("nginx.ingress.kubernetes.io/enable-access-log") == "false"
    # The GraphQL ingress keeps its access log (its query strings hold no credential).
    assert "/graphql" in routed


@pytest.mark.parametrize("service", ["registry", "activities", "subsidy", "gateway"])
def test_every_process_gets_the_caller_tokens_and_binds_metrics_to_its_pod(service: str) -> None:
    deployments = [
        d for d in documents(K8S / "base" / f"{service}.yaml") if d["kind"] == "Deployment"
    ]
    assert deployments
    for deployment in deployments:
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            env = {e["name"]: e.get("valueFrom", {}) for e in container.get("env", [])}
            for name, key in (("STEM_GATEWAY_TOKEN", "gateway"), ("STEM_CLI_TOKEN", "cli")):
                assert env[name]["secretKeyRef"] == {"name": "stem-service-tokens", "key": key}
            assert env["STEM_METRICS_HOST"] == {"fieldRef": {"fieldPath": "status.podIP"}}


def test_metrics_bind_loopback_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    bound: list[str] = []
    monkeypatch.setattr(runner, "start_http_server", lambda port, addr: bound.append(addr))
    monkeypatch.delenv("STEM_METRICS_HOST", raising=False)
    runner.serve_metrics(9999)
    monkeypatch.setenv("STEM_METRICS_HOST", "10.1.2.3")
    runner.serve_metrics(9999)
    assert bound == ["127.0.0.1", "10.1.2.3"]
