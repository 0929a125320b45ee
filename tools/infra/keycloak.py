"""Run a real Keycloak (OpenID Connect provider) in development mode as a plain process.

No Docker: the server distribution (`org.keycloak:keycloak-quarkus-dist`, a tar.gz) comes
from Maven Central through tools/infra/keycloak/pom.xml into a cache that survives runs,
and each instance runs from its own folder (a few small files copied, the 170 MB of jars
linked), with the realm of deploy/keycloak/stem-realm.json imported at start-up into an
in-memory database: every start begins from the file in the repository.

Usage (from the repository root):

    python tools/infra/keycloak.py fetch
    python tools/infra/keycloak.py start --dir var/keycloak [--port 8180]   # 0: a free port
    python tools/infra/keycloak.py status --dir var/keycloak
    python tools/infra/keycloak.py stop --dir var/keycloak
    python tools/infra/keycloak.py users                     # the demo users and passwords

Keycloak 26 needs Java 21+: `JAVA_HOME` when it is one, else the newest JDK 21+ under
/usr/lib/jvm (the machines and CI have a Temurin 25 there), else `java` on PATH if it is
21+; otherwise it stops with a message saying what to install. Results go to stdout as
`key=value` lines (`issuer=http://127.0.0.1:PORT/realms/stem`); progress to stderr.
`start --env-file PATH` also writes `STEM_OIDC_ISSUER=...` to PATH.
Cache: `${STEM_CACHE_DIR:-~/.cache/stem-platform}/keycloak/<version>/`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

if not __package__:  # run as a script (python tools/infra/keycloak.py): the repository root
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
)
from tools.infra.processes import running_pid as running_pid_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
POM = HERE / "keycloak" / "pom.xml"
REALM_FILE = ROOT / "deploy" / "keycloak" / "stem-realm.json"
REALM = "stem"
JVM_ROOT = Path("/usr/lib/jvm")
MIN_JAVA = 21

DEFAULT_PORT = 8180
START_TIMEOUT_S = 300.0  # a loaded 2-core machine took 190 s; an idle one ~20 s
PID_FILE = "keycloak.pid"
LOG_FILE = "keycloak.log"
STATE_FILE = "keycloak.json"
# Keycloak's own settings (kc.sh's defaults, less heap: a development server).
JVM_OPTS = [
    "-Xms64m",
    "-Xmx512m",
    "-XX:MetaspaceSize=96M",
    "-XX:MaxMetaspaceSize=256m",
    "-XX:+UseG1GC",
    "-XX:TieredStopAtLevel=1",  # C1 only: a faster start, enough for a dev server
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
    "-Djava.security.egd=file:/dev/urandom",
    "-Duser.language=en",
    "-Duser.country=US",
    "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
    "-Dpicocli.disable.closures=true",
    "-Djava.util.concurrent.ForkJoinPool.common.threadFactory="
    "io.quarkus.bootstrap.forkjoin.QuarkusForkJoinWorkerThreadFactory",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.security=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]
REAUGMENTED = 10  # Keycloak's exit code: "rebuilt for these options, start me again"


def say(msg: str) -> None:
    print(f"keycloak: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- version / fetch


def pom_version() -> str:
    return installs.pom_property(POM, "keycloak.version")


def version_dir(version: str) -> Path:
    return installs.cache_root("keycloak") / version


def dist_dir(version: str) -> Path:
    return version_dir(version) / f"keycloak-{version}"


def _marker(version: str) -> Path:
    return version_dir(version) / "fetched.txt"


def is_fetched(version: str) -> bool:
    return _marker(version).is_file() and (dist_dir(version) / "lib" / "quarkus-run.jar").is_file()


def fetch(version: str) -> Path:
    """Make sure the distribution of `version` is unpacked in the cache; return its folder."""
    if is_fetched(version):
        return dist_dir(version)
    with installs.locked(version_dir(version) / ".lock"):
        if is_fetched(version):  # somebody else fetched while we waited
            return dist_dir(version)
        mvn = shutil.which("mvn")
        if mvn is None:
            raise InfraError(
                "no mvn on PATH (./scripts/bootstrap.sh installs it, as for Kafka): "
                "sudo apt-get install -y --no-install-recommends maven"
            )
        work = Path(tempfile.mkdtemp(prefix="fetch-", dir=version_dir(version)))
        try:
            shutil.copy2(POM, work / "pom.xml")
            cmd = [mvn, "-B", "-q", "package", f"-Dkeycloak.version={version}"]
            cmd.append(f"-Dkeycloak.dist.dir={work}")
            say(f"fetching Keycloak {version} from Maven Central: {' '.join(cmd)}")
            started = time.monotonic()
            proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
            output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr).strip()
            archive = work / "keycloak-quarkus-dist.tar.gz"
            if proc.returncode != 0 or not archive.is_file():
                raise InfraError(
                    f"mvn failed (exit {proc.returncode}) fetching Keycloak:\n{output}"
                )
            unpacked = work / "unpacked"
            with tarfile.open(archive) as tar:
                tar.extractall(unpacked, filter="data")
            target = dist_dir(version)
            if target.exists():
                shutil.rmtree(target)
            (unpacked / f"keycloak-{version}").rename(target)
            _marker(version).write_text(f"Keycloak {version}\n")
            say(f"fetched and unpacked into {target} in {time.monotonic() - started:.1f} s")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return dist_dir(version)


# --------------------------------------------------------------------------- java


def find_java(jvm_root: Path = JVM_ROOT) -> tuple[str, int]:
    """A `java` of version 21 or newer: JAVA_HOME's, else the newest under /usr/lib/jvm,
    else the one on PATH. Raises InfraError naming what was found."""
    seen: list[str] = []
    candidates: list[Path] = []
    home = os.environ.get("JAVA_HOME")
    if home:
        candidates.append(Path(home) / "bin" / "java")
    if jvm_root.is_dir():
        found: list[Path] = []
        for java in sorted(jvm_root.glob("*/bin/java")):
            if java.resolve() not in {c.resolve() for c in found}:
                found.append(java)
        candidates += sorted(found, key=lambda j: -(installs.java_major(j) or 0))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path))
    for java in candidates:
        if not java.is_file():
            continue
        major = installs.java_major(java)
        seen.append(f"{java} ({major or '?'})")
        if major is not None and major >= MIN_JAVA:
            return str(java), major
    raise InfraError(
        f"Keycloak needs Java {MIN_JAVA}+; found only: {', '.join(seen) or 'none'}. Install "
        f"one under {jvm_root} (e.g. sudo apt-get install -y openjdk-21-jre-headless) or set "
        "JAVA_HOME"
    )


def running_pid(d: Path) -> int | None:
    """The pid of the Keycloak started from `d`, if it still runs (and is ours)."""
    return running_pid_of(d / PID_FILE, f"-Dkc.home.dir={d / 'home'}")


def issuer_of(port: int) -> str:
    return f"http://127.0.0.1:{port}/realms/{REALM}"


def answers(port: int, timeout: float = 2.0) -> bool:
    """The realm's discovery document is served, naming the expected issuer."""
    url = issuer_of(port) + "/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(json.load(response).get("issuer") == issuer_of(port))
    except (OSError, ValueError, urllib.error.URLError):
        return False


def built_dir(version: str) -> Path:
    """Keycloak's build for our start-up options (lib/quarkus after its first start): kept
    so that later starts skip the minute it takes to make."""
    return version_dir(version) / "quarkus-built"


def keep_build(home: Path, version: str) -> None:
    if built_dir(version).is_dir():
        return
    partial = Path(tempfile.mkdtemp(prefix="quarkus-built-", dir=version_dir(version)))
    shutil.copytree(home / "lib" / "quarkus", partial, dirs_exist_ok=True)
    try:
        partial.rename(built_dir(version))
    except OSError:  # another instance kept its build first
        shutil.rmtree(partial, ignore_errors=True)


def prepare_home(d: Path, dist: Path, version: str) -> Path:
    """The instance's own Keycloak home: the jars linked, what Keycloak writes (its build
    for these options, its data, the realm to import) its own."""
    home = d / "home"
    if home.exists():
        shutil.rmtree(home)
    (home / "lib").mkdir(parents=True)
    for name in ("lib", "app"):
        (home / "lib" / name).symlink_to(dist / "lib" / name)
    shutil.copy2(dist / "lib" / "quarkus-run.jar", home / "lib" / "quarkus-run.jar")
    built = built_dir(version)
    shutil.copytree(built if built.is_dir() else dist / "lib" / "quarkus", home / "lib" / "quarkus")
    for name in ("conf", "themes", "providers"):
        shutil.copytree(dist / name, home / name)
    (home / "data" / "import").mkdir(parents=True)
    shutil.copy2(REALM_FILE, home / "data" / "import" / REALM_FILE.name)
    return home


# --------------------------------------------------------------------------- commands


def _print_result(port: int, pid: int, env_file: str | None) -> None:
    print(f"issuer={issuer_of(port)}")
    print(f"admin_console=http://127.0.0.1:{port}/admin/ (admin / admin: development only)")
    print(f"pid={pid}")
    if env_file:
        Path(env_file).write_text(f"STEM_OIDC_ISSUER={issuer_of(port)}\n")
        say(f"wrote {env_file}")


def cmd_fetch(args: argparse.Namespace) -> int:
    print(f"dist={fetch(args.keycloak_version)}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    d.mkdir(parents=True, exist_ok=True)
    pid = running_pid(d)
    if pid is not None:
        running = int(str(read_json(d / STATE_FILE).get("port", DEFAULT_PORT)))
        if not answers(running):
            raise InfraError(f"Keycloak pid {pid} from {d} runs but does not answer on {running}")
        say(f"already running from {d} (pid {pid})")
        _print_result(running, pid, args.env_file)
        return 0
    version: str = args.keycloak_version
    dist = fetch(version)
    java, major = find_java()
    port: int = args.port or free_port()
    management = free_port()
    if not port_is_free(port):
        raise InfraError(f"port {port} on 127.0.0.1 is in use (try --port 0)")
    home = prepare_home(d, dist, version)
    cmd = [
        java,
        *JVM_OPTS,
        f"-Dkc.home.dir={home}",
        f"-Djboss.server.config.dir={home / 'conf'}",
        "-cp",
        str(home / "lib" / "quarkus-run.jar"),
        "io.quarkus.bootstrap.runner.QuarkusEntryPoint",
        "start-dev",
        "--import-realm",
        "--db=dev-mem",
        "--http-host=127.0.0.1",
        f"--http-port={port}",
        f"--http-management-port={management}",
        f"--hostname=http://127.0.0.1:{port}",
        "--health-enabled=true",
        "--log-level=WARN,org.keycloak.services:INFO,io.quarkus:INFO",
    ]
    env = dict(os.environ)
    env.setdefault("KC_BOOTSTRAP_ADMIN_USERNAME", "admin")
    env.setdefault("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin")
    say(
        f"starting Keycloak {version} (Java {major}: {java}) on 127.0.0.1:{port}, "
        f"log {d / LOG_FILE}"
    )
    started = time.monotonic()
    # A tiny shell loop does what kc.sh does: start again when Keycloak asks (exit 10,
    # it rebuilt itself for these options), so the pid we keep is that of the group.
    script = (
        'while :; do "$@"; rc=$?; [ $rc -eq 10 ] || exit $rc; '
        'set -- "$1" -Dkc.config.built=true "${@:2}"; done'
    )
    proc = start_group(
        ["bash", "-c", script, "keycloak", *cmd],
        cwd=d,
        log=d / LOG_FILE,
        pid_file=d / PID_FILE,
        header="keycloak.py start",
        env=env,
    )
    state = {"port": port, "version": version, "pid": proc.pid, "issuer": issuer_of(port)}
    (d / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    deadline = started + args.timeout
    while not answers(port):
        code = proc.poll()
        if code is not None:
            raise InfraError(
                f"Keycloak exited with code {code} during start-up; the end of {d / LOG_FILE}:\n"
                + log_tail(d / LOG_FILE)
            )
        if time.monotonic() > deadline:
            kill_group(proc.pid, 10, say)
            (d / PID_FILE).unlink(missing_ok=True)
            raise InfraError(
                f"Keycloak did not serve its realm within {args.timeout:.0f} s; stopped it. "
                f"The end of {d / LOG_FILE}:\n" + log_tail(d / LOG_FILE)
            )
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    keep_build(home, version)
    say(f"Keycloak {version} ready in {elapsed:.1f} s (pid {proc.pid})")
    _print_result(port, proc.pid, args.env_file)
    print(f"startup_seconds={elapsed:.1f}")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    pid = running_pid(d)
    (d / PID_FILE).unlink(missing_ok=True)
    if pid is None:
        say(f"no Keycloak running from {d}")
        return 0
    started = time.monotonic()
    killed = kill_group(pid, args.timeout, say)
    say(f"{'killed' if killed else 'stopped'} in {time.monotonic() - started:.1f} s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    pid = running_pid(d)
    if pid is None:
        print("status=stopped")
        return 3
    port = int(str(read_json(d / STATE_FILE).get("port", DEFAULT_PORT)))
    print(f"pid={pid}")
    print(f"issuer={issuer_of(port)}")
    if not answers(port):
        print("status=not-answering")
        return 1
    print("status=running")
    return 0


def demo_users() -> list[tuple[str, str, list[str], str | None]]:
    """(username, password, roles, academy_id) of the realm file's people."""
    realm = json.loads(REALM_FILE.read_text())
    found = []
    for user in realm["users"]:
        if "serviceAccountClientId" in user:
            continue
        password = next(c["value"] for c in user["credentials"] if c["type"] == "password")
        academy = (user.get("attributes") or {}).get("academy_id", [None])[0]
        roles = [role for role in user["realmRoles"] if not role.startswith("default-roles")]
        found.append((user["username"], password, roles, academy))
    return found


def cmd_users(_: argparse.Namespace) -> int:
    for username, password, roles, academy in demo_users():
        extra = f" academy_id={academy}" if academy else ""
        print(f"{username} password={password} roles={','.join(roles)}{extra}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keycloak.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--keycloak-version",
        default=os.environ.get("STEM_KEYCLOAK_VERSION") or None,
        help=argparse.SUPPRESS,  # trials only; the version lives in tools/infra/keycloak/pom.xml
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="put the distribution in the cache").set_defaults(fn=cmd_fetch)
    p = sub.add_parser("start", help="start Keycloak from DIR with the stem realm (idempotent)")
    p.add_argument("--dir", required=True, help="working dir: home, keycloak.log, keycloak.pid")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP port; 0 = a free one")
    p.add_argument("--timeout", type=float, default=START_TIMEOUT_S, help="seconds to wait")
    p.add_argument("--env-file", help="also write STEM_OIDC_ISSUER=... to this file")
    p.set_defaults(fn=cmd_start)
    p = sub.add_parser("stop", help="stop the Keycloak started from DIR")
    p.add_argument("--dir", required=True)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds before SIGKILL")
    p.set_defaults(fn=cmd_stop)
    p = sub.add_parser("status", help="exit 0 if it runs and serves the realm, 3 if stopped")
    p.add_argument("--dir", required=True)
    p.set_defaults(fn=cmd_status)
    sub.add_parser("users", help="the demo users of the realm file").set_defaults(fn=cmd_users)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.keycloak_version is None:
            args.keycloak_version = pom_version()
        rc: int = args.fn(args)
        return rc
    except InfraError as exc:
        print(f"keycloak.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
