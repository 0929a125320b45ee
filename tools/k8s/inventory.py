"""What the Kubernetes manifests are made of: the services, their processes, and who reads what.

One table, read by `tools/k8s/render.py` (which writes the generated manifests) and by the
tests in `tests/deploy/` (which check this table against the services' code and against
`deploy/topics.yaml`). The topics themselves come only from `deploy/topics.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tools.infra.topics import TOPICS_FILE, TopicSpec, load_topics

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = REPO_ROOT / "deploy" / "k8s"

KAFKA_CLUSTER = "stem"
# The internal TLS listener with SCRAM-SHA-512 authentication (see base/kafka/kafka.yaml).
KAFKA_BOOTSTRAP = f"{KAFKA_CLUSTER}-kafka-bootstrap:9093"
KAFKA_CA_SECRET = f"{KAFKA_CLUSTER}-cluster-ca-cert"
# Consumer groups of other agencies must start with this (their KafkaUser may use no other).
EXTERNAL_GROUP_PREFIX = "external-"
EXTERNAL_USER = "external-subscriber"
PART_OF = "stem-platform"


@dataclass(frozen=True)
class Consumer:
    group: str
    metrics_port: int
    reads: tuple[str, ...]
    dead_letter_topic: str


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    description: str
    database: bool = True
    relay_metrics_port: int | None = None
    consumer: Consumer | None = None
    # A process of its own that works from the service's database only (activities'
    # delivery worker, purge and poller, ADR 0024): its /metrics port.
    worker_metrics_port: int | None = None
    # Reachable from the ingress controller (else only from the gateway).
    public_paths: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)
    # env name -> (Secret, key); optional ones may be missing (the setting has a default).
    secret_env: dict[str, tuple[str, str]] = field(default_factory=dict)
    optional_secret_env: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Processes that call out to the internet over HTTPS (e.g. UiTdatabank).
    internet_https: tuple[str, ...] = ()
    # Secrets mounted as files: (Secret, key, folder). A folder mount (not subPath), so
    # a changed Secret reaches the running pods. Optional: the file may be absent.
    secret_files: tuple[tuple[str, str, str], ...] = ()
    # Topics the API process reads itself, every partition, without a consumer group (the
    # gateway's change feed for its response cache, ADR 0016).
    reads_without_group: tuple[str, ...] = ()

    @property
    def env_prefix(self) -> str:
        return self.name.upper()

    @property
    def uses_kafka(self) -> bool:
        return (
            self.relay_metrics_port is not None
            or self.consumer is not None
            or bool(self.reads_without_group)
        )


SERVICES: tuple[Service, ...] = (
    Service(
        name="registry",
        port=8001,
        description="academies and municipalities",
        relay_metrics_port=9101,
    ),
    Service(
        name="activities",
        port=8002,
        description="the STEM-kalender, fed by the UiTdatabank webhook",
        relay_metrics_port=9102,
        consumer=Consumer(
            group="activities",
            metrics_port=9112,
            reads=("stem.registry.academy.v1", "stem.registry.municipality.v1"),
            dead_letter_topic="stem.activities.dlq.v1",
        ),
        worker_metrics_port=9122,
        public_paths=("/webhooks/uitdatabank",),
        secret_env={"ACTIVITIES_WEBHOOK_SECRETS": ("activities-webhook", "secrets")},
        optional_secret_env={
            "ACTIVITIES_UITDATABANK_CLIENT_ID": ("activities-uitdatabank", "client-id")
        },
        # The worker process fetches a notification's document and runs the Search API
        # poller: both call UiTdatabank.
        internet_https=("worker",),
        extra_env={
            "ACTIVITIES_UITDATABANK_POLL_INTERVAL_SECONDS": "300",
            # The defaults, spelled out so an operator sees where to change them.
            "ACTIVITIES_DELIVERY_RETENTION_DAYS": "30",
            "ACTIVITIES_DELIVERY_PURGE_INTERVAL_SECONDS": "3600",
        },
    ),
    Service(
        name="subsidy",
        port=8003,
        description="reach per academy, municipality and year",
        relay_metrics_port=9103,
        consumer=Consumer(
            group="subsidy",
            metrics_port=9113,
            reads=(
                "stem.registry.municipality.v1",
                "stem.registry.academy.v1",
                "stem.activities.activity.v1",
            ),
            dead_letter_topic="stem.subsidy.dlq.v1",
        ),
    ),
    Service(
        name="gateway",
        port=8000,
        description="the stateless GraphQL gateway",
        database=False,
        public_paths=("/",),
        extra_env={
            "GATEWAY_REGISTRY_URL": "http://registry:8001",
            "GATEWAY_ACTIVITIES_URL": "http://activities:8002",
            "GATEWAY_SUBSIDY_URL": "http://subsidy:8003",
            # The HPA's maxReplicas: each replica allows its share of the limits (ADR 0012);
            # the budget keeps each share at the costliest query (GATEWAY_MAX_QUERY_COST).
            "GATEWAY_REPLICAS": "6",
            "GATEWAY_COST_BUDGET": "30000",
            # The partner key store (hashes only) is STEM_DATA_DIR/gateway-keys.json: the
            # Secret `gateway-keys`, written by `gateway.entrypoints.cli keys` (gateway README).
            "STEM_DATA_DIR": "/var/lib/stem",
        },
        secret_files=(("gateway-keys", "gateway-keys.json", "/var/lib/stem"),),
        # gateway.schema.cacheability.TOPICS: the events that end cached answers.
        reads_without_group=(
            "stem.activities.activity.v1",
            "stem.registry.academy.v1",
            "stem.registry.municipality.v1",
            "stem.subsidy.reach.v1",
        ),
        optional_secret_env={
            "GATEWAY_PARTNER_API_KEYS": ("gateway-partner-keys", "keys"),
            "GATEWAY_OPS_TOKEN_SCOPES": ("gateway-ops-tokens", "scopes"),
        },
    ),
)


def service(name: str) -> Service:
    for svc in SERVICES:
        if svc.name == name:
            return svc
    raise KeyError(name)


def topics(path: Path = TOPICS_FILE) -> list[TopicSpec]:
    """The declared topics: the one source of truth, shared with tools/infra/topics.py."""
    return load_topics(path)
