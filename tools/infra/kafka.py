"""Run a real Apache Kafka broker (KRaft, combined mode) as a plain process, or a cluster of
them (``--brokers 3``: three combined broker+controller nodes, a 3-voter quorum; ADR 0017).

No Docker: the broker jars come from Maven Central through tools/infra/kafka/pom.xml
(maven-dependency-plugin copy-dependencies) into a cache that survives runs, and the broker
is started with ``java -cp 'libs/*' kafka.Kafka server.properties``.

Usage (from the repository root):

    uv run python tools/infra/kafka.py version
    uv run python tools/infra/kafka.py fetch
    uv run python tools/infra/kafka.py start --dir var/kafka [--port 9092] [--controller-port 9093]
    uv run python tools/infra/kafka.py start --dir var/kafka-cluster --brokers 3 --port 0
    uv run python tools/infra/kafka.py status --dir var/kafka
    uv run python tools/infra/kafka.py stop --dir var/kafka [--timeout 30]

``--port 0`` picks a free port (and, unless given, a free controller port too).
A cluster lives in ``DIR/node<i>`` with its layout in ``DIR/cluster.json``; ``start`` prints
``bootstrap=localhost:p1,localhost:p2,localhost:p3`` and ``node<i>_pid=``, ``node<i>_port=``,
``node<i>_controller_port=``; ``stop`` and ``status`` act on every node. Tests and chaos
runs drive one with ``tools/infra/kafka_cluster.Cluster`` (kill, pause, restart, leaders).
Results go to stdout as ``key=value`` lines (``bootstrap=localhost:PORT``); progress goes to
stderr. ``start --env-file PATH`` also writes ``KAFKA_BOOTSTRAP_SERVERS=...`` to PATH.

The Kafka version lives in one place: the ``kafka.version`` property of the pom. The hidden
``--kafka-version`` option (or env STEM_KAFKA_VERSION) overrides it for trials only.
Cache: ``${STEM_CACHE_DIR:-~/.cache/stem-platform}/kafka/<version>/libs``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if not __package__:  # run as a script (python tools/infra/kafka.py): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.infra import installs
from tools.infra.processes import (
    InfraError,
    free_port,
    kill_group,
    log_tail,
    port_is_free,
    read_json,
    start_group,
    stop_groups,
)
from tools.infra.processes import running_pid as running_pid_of

HERE = Path(__file__).resolve().parent
POM = HERE / "kafka" / "pom.xml"

DEFAULT_PORT = 9092
DEFAULT_CONTROLLER_PORT = 9093
START_TIMEOUT_S = 90.0
HEAP_OPTS = ["-Xms256m", "-Xmx768m"]
JVM_OPTS = [
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15",
    "-Djava.awt.headless=true",
]

PID_FILE = "kafka.pid"
LOG_FILE = "kafka.log"
STATE_FILE = "kafka.json"


def say(msg: str) -> None:
    print(f"kafka: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- version / fetch


def pom_version() -> str:
    return installs.pom_property(POM, "kafka.version")


def version_dir(version: str) -> Path:
    return installs.cache_root("kafka") / version


def libs_dir(version: str) -> Path:
    return version_dir(version) / "libs"


def _marker(version: str) -> Path:
    return version_dir(version) / "fetched.txt"


def is_fetched(version: str) -> bool:
    libs = libs_dir(version)
    return _marker(version).is_file() and any(libs.glob(f"kafka_2.13-{version}.jar"))


def java_bin() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = installs.which_or_install("java", "openjdk-17-jre-headless", say)
    if found is None:
        raise InfraError("no java on PATH (Kafka 4.x needs Java 17+)")
    return found


def java_for(version: str) -> str:
    """A ``java`` that runs Kafka ``version`` (4.x needs Java 17+)."""
    java = java_bin()
    major = installs.java_major(java)
    if major is None:
        raise InfraError(f"cannot tell the version of {java}")
    if int(version.split(".")[0]) >= 4 and major < 17:
        raise InfraError(f"Kafka {version} needs Java 17+, {java} is Java {major}")
    return java


def fetch(version: str) -> Path:
    """Make sure the broker jars of ``version`` are in the cache; return the libs folder."""
    libs = libs_dir(version)
    if is_fetched(version):
        say(f"Kafka {version} jars already in {libs}")
        return libs
    with installs.locked(version_dir(version) / ".lock"):
        if is_fetched(version):  # somebody else fetched while we waited
            say(f"Kafka {version} jars already in {libs}")
            return libs
        mvn = installs.which_or_install("mvn", "maven", say)
        if mvn is None:
            raise InfraError("no mvn on PATH")
        if libs.exists():
            shutil.rmtree(libs)
        build = version_dir(version) / "build"
        build.mkdir(parents=True, exist_ok=True)
        shutil.copy2(POM, build / "pom.xml")
        partial = Path(tempfile.mkdtemp(prefix="libs.partial-", dir=libs.parent))
        cmd = [
            mvn,
            "-B",
            "-q",
            "package",
            f"-Dkafka.version={version}",
            f"-Dkafka.libs.dir={partial}",
        ]
        say(f"fetching Kafka {version} jars with Maven: {' '.join(cmd)} (in {build})")
        started = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=build, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        # mvn -q still writes bare colour resets; keep only real text
        output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout).strip()
        if output:
            print(output, file=sys.stderr)
        if proc.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise InfraError(f"mvn failed (exit {proc.returncode}) fetching Kafka {version}")
        jars = sorted(p.name for p in partial.glob("*.jar"))
        if f"kafka_2.13-{version}.jar" not in jars:
            shutil.rmtree(partial, ignore_errors=True)
            raise InfraError(f"mvn ran but kafka_2.13-{version}.jar is not in {partial}")
        partial.rename(libs)
        _marker(version).write_text("\n".join(jars) + "\n")
        shutil.rmtree(build, ignore_errors=True)
        say(f"fetched {len(jars)} jars into {libs} in {time.monotonic() - started:.1f} s")
        return libs


# --------------------------------------------------------------------------- wire probe


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return bytes(buf)


def _request(sock: socket.socket, api_key: int, api_version: int, corr: int, body: bytes) -> bytes:
    client_id = b"stem-infra-probe"
    header = struct.pack(">hhih", api_key, api_version, corr, len(client_id)) + client_id
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    data = _recv_exact(sock, size)
    (got_corr,) = struct.unpack_from(">i", data, 0)
    if got_corr != corr:
        raise ConnectionError(f"correlation id {got_corr} != {corr}")
    return data[4:]


@dataclass(frozen=True)
class ProbeResult:
    metadata_version: int
    brokers: list[tuple[int, str, int]]
    cluster_id: str | None
    controller_id: int


def probe(host: str, port: int, timeout: float = 2.0) -> ProbeResult:
    """ApiVersions v0, then a real Metadata request (no topics) at a version both sides know."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        data = _request(sock, 18, 0, 1, b"")  # ApiVersions v0
        (err, count) = struct.unpack_from(">hi", data, 0)
        if err != 0:
            raise ConnectionError(f"ApiVersions error code {err}")
        ranges: dict[int, tuple[int, int]] = {}
        for i in range(count):
            key, lo, hi = struct.unpack_from(">hhh", data, 6 + 6 * i)
            ranges[key] = (lo, hi)
        if 3 not in ranges:
            raise ConnectionError("broker lists no Metadata API")
        lo, hi = ranges[3]
        version = min(hi, 8)
        if version < max(lo, 4):
            raise ConnectionError(f"broker's Metadata versions {lo}-{hi} miss 4-8")
        body = struct.pack(">i?", 0, False)  # no topics, no auto-creation
        if version >= 8:
            body += struct.pack(">??", False, False)
        data = _request(sock, 3, version, 2, body)
        off = 4  # throttle_time_ms
        (n_brokers,) = struct.unpack_from(">i", data, off)
        off += 4
        brokers: list[tuple[int, str, int]] = []
        for _ in range(n_brokers):
            node_id, hlen = struct.unpack_from(">ih", data, off)
            off += 6
            bhost = data[off : off + hlen].decode()
            off += hlen
            (bport, rlen) = struct.unpack_from(">ih", data, off)
            off += 6 + max(rlen, 0)
            brokers.append((node_id, bhost, bport))
        (clen,) = struct.unpack_from(">h", data, off)
        off += 2
        cluster_id = data[off : off + clen].decode() if clen >= 0 else None
        off += max(clen, 0)
        (controller_id,) = struct.unpack_from(">i", data, off)
        return ProbeResult(version, brokers, cluster_id, controller_id)


# --------------------------------------------------------------------------- process helpers


def running_pid(d: Path) -> int | None:
    """The pid of the broker started from ``d``, if it is still running."""
    return running_pid_of(d / PID_FILE, "kafka.Kafka", str(d / "server.properties"))


# --------------------------------------------------------------------------- config files


def new_cluster_id() -> str:
    """Same shape as Kafka's Uuid.randomUuid().toString(): 22 chars of url-safe base64."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def min_insync_replicas(replication_factor: int) -> int:
    """deploy/k8s: RF 3 with min ISR 2 (one broker may be down, an acks=all write still lands
    on two); a single broker can only ask for itself."""
    return 2 if replication_factor >= 3 else 1


# The SCRAM user of the optional SASL listener (`start --sasl-port`): a local test
# credential only, like the rest of this broker; production users come from Strimzi.
SASL_USER = "stem"
SASL_PASSWORD = "stem-local-scram-secret"


def server_properties(
    d: Path,
    port: int,
    controller_port: int,
    sasl_port: int | None = None,
    *,
    node_id: int = 1,
    voters: str | None = None,
    cluster_size: int = 1,
) -> str:
    """The broker's config. ``cluster_size`` 3 gives the replication settings of deploy/k8s
    (base/kafka/kafka.yaml): RF 3, min ISR 2, unclean leader election off."""
    listeners = f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}"
    advertised = f"PLAINTEXT://localhost:{port}"
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    sasl: dict[str, str] = {}
    if sasl_port is not None:
        # A second listener with SCRAM-SHA-512, as Strimzi's users authenticate, so the
        # clients' SASL settings are tested against a real broker.
        listeners += f",SASL_PLAINTEXT://127.0.0.1:{sasl_port}"
        advertised += f",SASL_PLAINTEXT://localhost:{sasl_port}"
        protocols += ",SASL_PLAINTEXT:SASL_PLAINTEXT"
        sasl = {
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
        }
    rf = min(cluster_size, 3)
    min_isr = min_insync_replicas(rf)
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": voters or f"{node_id}@127.0.0.1:{controller_port}",
        "listeners": listeners,
        "advertised.listeners": advertised,
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": protocols,
        **sasl,
        "log.dirs": str(d / "data"),
        # topics come only from deploy/topics.yaml (tools/infra/topics.py)
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": str(rf),
        "min.insync.replicas": str(min_isr),
        "unclean.leader.election.enable": "false",
        "offsets.topic.replication.factor": str(rf),
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": str(rf),
        "transaction.state.log.min.isr": str(min_isr),
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": str(rf),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.retention.check.interval.ms": "300000",
    }
    head = "# written by tools/infra/kafka.py start; rewritten on every start\n"
    return head + "".join(f"{k}={v}\n" for k, v in props.items())


LOG4J2_PROPERTIES = """\
# log4j2 (Kafka 4.x): everything to stdout, which kafka.py sends to kafka.log
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""

LOG4J1_PROPERTIES = """\
# reload4j (Kafka 3.x): everything to stdout, which kafka.py sends to kafka.log
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
"""


# --------------------------------------------------------------------------- launching


def _sysprops(d: Path) -> list[str]:
    (d / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
    (d / "log4j.properties").write_text(LOG4J1_PROPERTIES)
    tmp = d / "tmp"
    tmp.mkdir(exist_ok=True)
    return [
        f"-Dlog4j2.configurationFile={d / 'log4j2.properties'}",
        f"-Dlog4j.configuration=file:{d / 'log4j.properties'}",
        f"-Dkafka.logs.dir={d / 'logs'}",
        f"-Djava.io.tmpdir={tmp}",
        f"-DZstdTempFolder={tmp}",
        f"-Dorg.xerial.snappy.tempdir={tmp}",
    ]


def format_storage(java: str, libs: Path, d: Path, cluster_id: str) -> None:
    """Format ``d/data`` for ``d/server.properties`` (every node of a cluster: the same id)."""
    say(f"formatting storage in {d / 'data'} with cluster id {cluster_id}")
    storage_tool = [
        java, "-Xmx256m", *_sysprops(d), "-cp", f"{libs}/*", "kafka.tools.StorageTool"
    ]  # fmt: skip
    fmt = subprocess.run(
        [
            *storage_tool,
            *("format", "-t", cluster_id, "-c", str(d / "server.properties")),
            # SCRAM credentials of a KRaft cluster are written at format time.
            *("-S", f"SCRAM-SHA-512=[name={SASL_USER},password={SASL_PASSWORD}]"),
        ],
        capture_output=True,
        text=True,
    )
    if fmt.returncode != 0:
        raise InfraError(f"storage format failed:\n{fmt.stdout}\n{fmt.stderr}")
    (d / "cluster.id").write_text(cluster_id + "\n")


def launch(
    java: str, libs: Path, d: Path, heap: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """Start the broker of ``d/server.properties`` in its own session; write its pid file."""
    cmd = [
        java, *(heap or HEAP_OPTS), *JVM_OPTS, *_sysprops(d), "-cp", f"{libs}/*",
        "kafka.Kafka", str(d / "server.properties"),
    ]  # fmt: skip
    return start_group(cmd, cwd=d, log=d / LOG_FILE, pid_file=d / PID_FILE, header="kafka.py start")


# --------------------------------------------------------------------------- commands


def _bootstrap(port: int) -> str:
    return f"localhost:{port}"


def _write_env_file(path: str | None, bootstrap: str) -> None:
    if path:
        Path(path).write_text(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}\n")
        say(f"wrote {path}")


def _print_sasl(bootstrap: str) -> None:
    print(f"sasl_bootstrap={bootstrap}")
    print(f"sasl_user={SASL_USER}")
    print(f"sasl_password={SASL_PASSWORD}")


def cmd_fetch(args: argparse.Namespace) -> int:
    libs = fetch(args.kafka_version)
    print(f"libs={libs}")
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    print(f"Apache Kafka {args.kafka_version}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    if (args.brokers or 1) > 1 or read_cluster(d) is not None:
        return cmd_start_cluster(args)
    d.mkdir(parents=True, exist_ok=True)
    pid = running_pid(d)
    if pid is not None:
        running_port = int(str(read_json(d / STATE_FILE).get("port", DEFAULT_PORT)))
        say(f"a broker is already running from {d} (pid {pid})")
        try:
            probe("127.0.0.1", running_port)
        except OSError as exc:
            raise InfraError(
                f"broker pid {pid} from {d} runs but does not answer on {running_port}: {exc}"
            ) from exc
        print(f"bootstrap={_bootstrap(running_port)}")
        print(f"pid={pid}")
        _write_env_file(args.env_file, _bootstrap(running_port))
        return 0

    version: str = args.kafka_version
    libs = fetch(version)
    java = java_for(version)

    port: int = args.port
    cport: int | None = args.controller_port
    state_file = d / STATE_FILE
    if cport is None and port != 0 and state_file.is_file():
        # A restart of a broker in the same folder keeps its controller port (the quorum
        # voters were written with it).
        previous = json.loads(state_file.read_text())
        if previous.get("port") == port:
            cport = previous.get("controller_port")
    if port == 0:
        port = free_port()
        if cport is None:
            cport = free_port({port})
    if cport is None:
        cport = DEFAULT_CONTROLLER_PORT
    elif cport == 0:
        cport = free_port({port})
    sasl_port: int | None = args.sasl_port
    if sasl_port is None and state_file.is_file():
        sasl_port = json.loads(state_file.read_text()).get("sasl_port")
    elif sasl_port == 0:
        sasl_port = free_port({port, cport})
    for p in (port, cport, *([sasl_port] if sasl_port else [])):
        if not port_is_free(p):
            raise InfraError(f"port {p} on 127.0.0.1 is in use (try --port 0)")

    props = d / "server.properties"
    props.write_text(server_properties(d, port, cport, sasl_port))
    if not (d / "data" / "meta.properties").is_file():
        format_storage(java, libs, d, new_cluster_id())
    say(f"starting Kafka {version} on 127.0.0.1:{port} (controller {cport}), log {d / LOG_FILE}")
    started = time.monotonic()
    proc = launch(java, libs, d)
    state = {
        "port": port,
        "controller_port": cport,
        "sasl_port": sasl_port,
        "version": version,
        "pid": proc.pid,
    }
    (d / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    deadline = started + args.timeout
    last_error = "no attempt yet"
    while True:
        code = proc.poll()
        if code is not None:
            raise InfraError(
                f"Kafka exited with code {code} during start-up; last lines of {d / LOG_FILE}:\n"
                + log_tail(d / LOG_FILE)
            )
        try:
            res = probe("127.0.0.1", port, timeout=2.0)
            if res.brokers:
                break
            last_error = "metadata lists no broker yet"
        except OSError as exc:
            last_error = str(exc) or type(exc).__name__
        if time.monotonic() > deadline:
            kill_group(proc.pid, 10, say)
            (d / PID_FILE).unlink(missing_ok=True)
            raise InfraError(
                f"Kafka did not answer a metadata request on port {port} within "
                f"{args.timeout:.0f} s (last error: {last_error}); stopped it. "
                f"Last lines of {d / LOG_FILE}:\n" + log_tail(d / LOG_FILE)
            )
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    say(
        f"Kafka {version} ready in {elapsed:.1f} s (pid {proc.pid}, cluster {res.cluster_id}, "
        f"Metadata v{res.metadata_version})"
    )
    print(f"bootstrap={_bootstrap(port)}")
    if sasl_port is not None:
        _print_sasl(_bootstrap(sasl_port))
    print(f"pid={proc.pid}")
    print(f"startup_seconds={elapsed:.1f}")
    _write_env_file(args.env_file, _bootstrap(port))
    return 0


# --------------------------------------------------------------------------- a cluster

CLUSTER_FILE = "cluster.json"
# Three JVMs share the machine with the platform: a smaller heap each than a lone broker.
CLUSTER_HEAP_OPTS = ["-Xms128m", "-Xmx512m"]


def node_dir(d: Path, node_id: int) -> Path:
    return d / f"node{node_id}"


def read_cluster(d: Path) -> dict[str, Any] | None:
    """The layout ``start --brokers N`` wrote to ``d/cluster.json``; None for a single broker."""
    try:
        data = json.loads((d / CLUSTER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("nodes"), list) else None


def _cluster_bootstrap(nodes: list[dict[str, Any]], key: str = "port") -> str:
    return ",".join(_bootstrap(int(n[key])) for n in nodes)


def _plan_cluster(d: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Ports and ids of every node, kept in cluster.json: a restart reuses them (the quorum
    voters and the clients' bootstrap list name them)."""
    previous = read_cluster(d)
    if previous is not None:
        if args.brokers is not None and len(previous["nodes"]) != args.brokers:
            raise InfraError(
                f"{d} holds a cluster of {len(previous['nodes'])} nodes, not {args.brokers}; "
                "stop it and remove the folder first"
            )
        return previous
    taken: set[int] = set()

    def pick(base: int | None, offset: int) -> int:
        port = free_port(taken) if not base else base + offset
        taken.add(port)
        return port

    nodes = []
    brokers: int = args.brokers
    for i in range(1, brokers + 1):
        port = pick(args.port, 2 * (i - 1))
        cport = pick(args.controller_port or (args.port + 1 if args.port else None), 2 * (i - 1))
        sasl = None if args.sasl_port is None else pick(args.sasl_port, i - 1)
        nodes.append({"id": i, "port": port, "controller_port": cport, "sasl_port": sasl})
    return {"brokers": brokers, "cluster_id": new_cluster_id(), "nodes": nodes}


def cmd_start_cluster(args: argparse.Namespace) -> int:
    """``start --brokers N``: N combined broker+controller nodes with an N-voter quorum
    (KRaft), each in ``DIR/node<i>``; idempotent, and it starts again only the nodes that
    are not running (``--only`` limits it to one)."""
    d = Path(args.dir).resolve()
    d.mkdir(parents=True, exist_ok=True)
    if (d / PID_FILE).is_file() or (d / "data").is_dir():
        raise InfraError(f"{d} holds a single broker; use another folder for a cluster")
    plan = _plan_cluster(d, args)
    nodes: list[dict[str, Any]] = plan["nodes"]
    version: str = args.kafka_version
    plan["version"] = version
    libs = fetch(version)
    java = java_for(version)
    voters = ",".join(f"{n['id']}@127.0.0.1:{n['controller_port']}" for n in nodes)

    wanted = [n for n in nodes if args.only is None or n["id"] == args.only]
    if args.only is not None and not wanted:
        raise InfraError(f"no node {args.only} in {d}")
    to_start = [n for n in wanted if running_pid(node_dir(d, n["id"])) is None]
    for n in to_start:
        nd = node_dir(d, n["id"])
        nd.mkdir(exist_ok=True)
        ports = [n["port"], n["controller_port"], *([n["sasl_port"]] if n["sasl_port"] else [])]
        for p in ports:
            if not port_is_free(p):
                raise InfraError(f"port {p} on 127.0.0.1 (node {n['id']}) is in use")
        (nd / "server.properties").write_text(
            server_properties(
                nd,
                n["port"],
                n["controller_port"],
                n["sasl_port"],
                node_id=n["id"],
                voters=voters,
                cluster_size=len(nodes),
            )
        )
    unformatted = [
        node_dir(d, n["id"])
        for n in to_start
        if not (node_dir(d, n["id"]) / "data" / "meta.properties").is_file()
    ]
    with ThreadPoolExecutor(max_workers=max(len(unformatted), 1)) as pool:  # a JVM each
        list(pool.map(lambda nd: format_storage(java, libs, nd, plan["cluster_id"]), unformatted))
    (d / CLUSTER_FILE).write_text(json.dumps(plan, indent=2) + "\n")

    started = time.monotonic()
    procs: dict[int, subprocess.Popen[bytes]] = {}
    for n in to_start:
        nd = node_dir(d, n["id"])
        say(
            f"starting node {n['id']} of {len(nodes)} (Kafka {version}) on 127.0.0.1:{n['port']} "
            f"(controller {n['controller_port']}), log {nd / LOG_FILE}"
        )
        procs[n["id"]] = launch(java, libs, nd, CLUSTER_HEAP_OPTS)
        state = {**n, "version": version, "pid": procs[n["id"]].pid}
        (nd / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    # Ready: every node we started answers, and its metadata lists every node of the cluster
    # (a broker is listed once the active controller has registered it).
    deadline = started + args.timeout
    pending = {n["id"] for n in wanted}
    last_error = "no attempt yet"
    while pending:
        for node_id in sorted(pending):
            proc = procs.get(node_id)
            nd = node_dir(d, node_id)
            if proc is not None and (code := proc.poll()) is not None:
                for other in procs.values():
                    kill_group(other.pid, 10, say)
                raise InfraError(
                    f"node {node_id} exited with code {code} during start-up; last lines of "
                    f"{nd / LOG_FILE}:\n" + log_tail(nd / LOG_FILE)
                )
            port = next(int(n["port"]) for n in nodes if n["id"] == node_id)
            try:
                res = probe("127.0.0.1", port, timeout=2.0)
                if len(res.brokers) >= len(nodes):
                    pending.discard(node_id)
                else:
                    last_error = f"node {node_id} lists {len(res.brokers)} of {len(nodes)} brokers"
            except OSError as exc:
                last_error = f"node {node_id}: {exc or type(exc).__name__}"
        if not pending:
            break
        if time.monotonic() > deadline:
            for proc in procs.values():
                kill_group(proc.pid, 10, say)
            raise InfraError(
                f"the cluster in {d} was not ready within {args.timeout:.0f} s (last error: "
                f"{last_error}); stopped the nodes started. Last lines of node "
                f"{min(pending)}:\n" + log_tail(node_dir(d, min(pending)) / LOG_FILE)
            )
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    say(f"cluster of {len(nodes)} ready in {elapsed:.1f} s ({plan['cluster_id']})")
    print(f"bootstrap={_cluster_bootstrap(nodes)}")
    if all(n["sasl_port"] for n in nodes):
        _print_sasl(_cluster_bootstrap(nodes, "sasl_port"))
    for n in nodes:
        print(f"node{n['id']}_pid={running_pid(node_dir(d, n['id'])) or ''}")
        print(f"node{n['id']}_port={n['port']}")
        print(f"node{n['id']}_controller_port={n['controller_port']}")
    print(f"startup_seconds={elapsed:.1f}")
    _write_env_file(args.env_file, _cluster_bootstrap(nodes))
    return 0


def cmd_stop_cluster(d: Path, cluster: dict[str, Any], timeout: float) -> int:
    pids = {}
    for n in cluster["nodes"]:
        nd = node_dir(d, n["id"])
        pid = running_pid(nd)
        if pid is not None:
            pids[pid] = nd
        else:
            (nd / PID_FILE).unlink(missing_ok=True)
    if not pids:
        say(f"no node running from {d}")
        return 0
    say(f"stopping {len(pids)} node(s) (SIGTERM, SIGKILL after {timeout:.0f} s)")
    started = time.monotonic()
    killed = stop_groups(list(pids), timeout, say)
    for nd in pids.values():
        (nd / PID_FILE).unlink(missing_ok=True)
    say(f"stopped in {time.monotonic() - started:.1f} s ({len(killed)} killed)")
    return 0


def cmd_status_cluster(d: Path, cluster: dict[str, Any]) -> int:
    nodes = cluster["nodes"]
    print(f"bootstrap={_cluster_bootstrap(nodes)}")
    print(f"version=Apache Kafka {cluster.get('version', '?')}")
    running = 0
    for n in nodes:
        pid = running_pid(node_dir(d, n["id"]))
        status = "stopped"
        if pid is not None:
            try:
                probe("127.0.0.1", int(n["port"]))
                status = "running"
                running += 1
            except OSError:
                status = "not-answering"
        print(f"node{n['id']}_pid={pid or ''}")
        print(f"node{n['id']}_port={n['port']}")
        print(f"node{n['id']}_controller_port={n['controller_port']}")
        print(f"node{n['id']}_status={status}")
    if running == len(nodes):
        print("status=running")
        return 0
    print("status=stopped" if running == 0 else f"status=degraded ({running}/{len(nodes)})")
    return 3 if running == 0 else 1


def cmd_stop(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    cluster = read_cluster(d)
    if cluster is not None:
        return cmd_stop_cluster(d, cluster, args.timeout)
    pid = running_pid(d)
    if pid is None:
        say(f"no broker running from {d}")
        (d / PID_FILE).unlink(missing_ok=True)
        return 0
    say(f"stopping broker pid {pid} (SIGTERM, SIGKILL after {args.timeout:.0f} s)")
    started = time.monotonic()
    killed = kill_group(pid, args.timeout, say)
    (d / PID_FILE).unlink(missing_ok=True)
    how = "killed" if killed else "stopped"
    say(f"{how} in {time.monotonic() - started:.1f} s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    cluster = read_cluster(d)
    if cluster is not None:
        return cmd_status_cluster(d, cluster)
    pid = running_pid(d)
    if pid is None:
        print("status=stopped")
        return 3
    state = read_json(d / STATE_FILE)
    port = int(str(state.get("port", DEFAULT_PORT)))
    print(f"pid={pid}")
    print(f"bootstrap={_bootstrap(port)}")
    print(f"version=Apache Kafka {state.get('version', '?')}")
    try:
        res = probe("127.0.0.1", port)
    except OSError as exc:
        print(f"status=not-answering ({exc})")
        return 1
    print(f"cluster_id={res.cluster_id}")
    print("status=running")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kafka.py", description="Run Apache Kafka (KRaft) from jars: one node or a cluster."
    )
    parser.add_argument(
        "--kafka-version",
        default=os.environ.get("STEM_KAFKA_VERSION") or None,
        help=argparse.SUPPRESS,  # trials only; the version lives in tools/infra/kafka/pom.xml
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("version", help="print the Kafka version in use").set_defaults(fn=cmd_version)
    sub.add_parser("fetch", help="put the broker jars in the cache").set_defaults(fn=cmd_fetch)

    p = sub.add_parser("start", help="start a broker from DIR (idempotent)")
    p.add_argument("--dir", required=True, help="working dir: config, data, kafka.log, kafka.pid")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="client port; 0 = a free one")
    p.add_argument(
        "--controller-port",
        type=int,
        default=None,
        help=f"KRaft controller port (default {DEFAULT_CONTROLLER_PORT}, free one if --port 0)",
    )
    p.add_argument(
        "--sasl-port",
        type=int,
        default=None,
        help="also a SASL_PLAINTEXT listener with a SCRAM-SHA-512 user; 0 = a free port",
    )
    p.add_argument(
        "--brokers",
        type=int,
        default=None,
        help="nodes (combined broker+controller, one KRaft voter each) in DIR/node<i>; "
        "3 gives deploy/k8s's RF 3 and min ISR 2. --port/--controller-port/--sasl-port are "
        "then the first node's (the next nodes add 2, 2, 1 per node), 0 = free ports",
    )
    p.add_argument(
        "--only", type=int, default=None, help="with a cluster: start (again) only this node id"
    )
    p.add_argument("--timeout", type=float, default=START_TIMEOUT_S, help="seconds to wait")
    p.add_argument("--env-file", help="also write KAFKA_BOOTSTRAP_SERVERS=... to this file")
    p.set_defaults(fn=cmd_start)

    p = sub.add_parser("stop", help="stop the broker started from DIR")
    p.add_argument("--dir", required=True)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds before SIGKILL")
    p.set_defaults(fn=cmd_stop)

    p = sub.add_parser("status", help="exit 0 if the broker from DIR runs and answers, 3 if not")
    p.add_argument("--dir", required=True)
    p.set_defaults(fn=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.kafka_version is None:
            args.kafka_version = pom_version()
        rc: int = args.fn(args)
        return rc
    except InfraError as exc:
        print(f"kafka.py: error: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"kafka.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
