"""Run a throwaway PostgreSQL cluster as a plain process (no Docker), for tests and local runs.

Usage (from the repository root):

    uv run python tools/infra/postgres.py start --dir var/postgres [--port 0] [--env-file PATH]
    uv run python tools/infra/postgres.py status --dir var/postgres
    uv run python tools/infra/postgres.py createdb NAME --dir var/postgres [--recreate]
    uv run python tools/infra/postgres.py stop --dir var/postgres

``start`` installs PostgreSQL from Debian packages when no initdb/pg_ctl is found under
/usr/lib/postgresql/*/bin (as root, or through ``sudo -n``; otherwise it names the command),
creates a cluster in DIR (initdb runs as the unprivileged OS user ``postgres``, created as
``stem-pg`` if there is no such user), listens on 127.0.0.1 only (TCP only, no unix socket)
with trust auth for 127.0.0.1, durability off (fsync, synchronous_commit, full_page_writes),
superuser role ``stem`` and one database per service. It prints, on stdout:

    port=PORT
    version=PostgreSQL 15.x
    REGISTRY_DATABASE_URL=postgresql+asyncpg://stem@127.0.0.1:PORT/registry
    ACTIVITIES_DATABASE_URL=postgresql+asyncpg://stem@127.0.0.1:PORT/activities
    SUBSIDY_DATABASE_URL=postgresql+asyncpg://stem@127.0.0.1:PORT/subsidy

Progress goes to stderr. ``start`` on a DIR whose cluster already runs says so and prints the
same lines. ``--port 0`` (the default) picks a free port. If the unprivileged user cannot reach
DIR (a parent folder it cannot enter), the cluster lives in a private folder under the system
temp dir instead, recorded in DIR/postgres.json and removed by ``stop``.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if not __package__:  # run as a script (python tools/infra/postgres.py): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.infra import installs
from tools.infra.processes import InfraError, free_port, log_tail, port_is_free, read_json

SERVICE_DATABASES = ("registry", "activities", "subsidy")
ROLE = "stem"
STATE_FILE = "postgres.json"
LOG_FILE = "postgres.log"
OS_USER_PREFERRED = "postgres"
OS_USER_CREATED = "stem-pg"
DB_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def say(msg: str) -> None:
    print(f"postgres: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- binaries


def _major(bindir: Path) -> float:
    try:
        return float(bindir.parent.name)
    except ValueError:
        return 0.0


def find_bindir() -> Path | None:
    env = os.environ.get("STEM_PG_BINDIR")
    if env:
        return Path(env)
    found = [
        b
        for b in Path("/usr/lib/postgresql").glob("*/bin")
        if (b / "initdb").is_file() and (b / "pg_ctl").is_file()
    ]
    return max(found, key=_major) if found else None


def ensure_bindir() -> Path:
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    say("PostgreSQL not installed: installing the Debian package postgresql")
    installs.apt_install(["postgresql"], say)
    bindir = find_bindir()
    if bindir is None:
        raise InfraError("installed postgresql but found no initdb under /usr/lib/postgresql")
    return bindir


def server_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\S+)", out)
    return f"PostgreSQL {match.group(1)}" if match else out.strip()


def psql_bin(bindir: Path) -> str:
    if (bindir / "psql").is_file():
        return str(bindir / "psql")
    found = shutil.which("psql")
    if found is None:
        raise InfraError("no psql (package postgresql-client)")
    return found


# --------------------------------------------------------------------------- OS user


@dataclass(frozen=True)
class RunAs:
    """The unprivileged user the server runs as (None = the current user, when not root)."""

    name: str
    uid: int | None
    gid: int | None

    def kwargs(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def server_user(recorded: str | None = None) -> RunAs:
    """The user of an existing cluster (as recorded), else postgres, else a created stem-pg."""
    if os.geteuid() != 0:
        return RunAs(pwd.getpwuid(os.geteuid()).pw_name, None, None)
    candidates = (recorded, OS_USER_PREFERRED, OS_USER_CREATED)
    for name in candidates:
        if name is None:
            continue
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return RunAs(name, entry.pw_uid, entry.pw_gid)
    say(f"creating the unprivileged OS user {OS_USER_CREATED} (initdb refuses to run as root)")
    subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            OS_USER_CREATED,
        ],
        check=True,
    )
    entry = pwd.getpwnam(OS_USER_CREATED)
    return RunAs(OS_USER_CREATED, entry.pw_uid, entry.pw_gid)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def run_as(user: RunAs, cmd: list[str], cwd: Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=_clean_env(), text=True, capture_output=True, **user.kwargs(), **kw
    )


def chown_tree(path: Path, user: RunAs) -> None:
    if user.uid is None or user.gid is None:
        return
    os.chown(path, user.uid, user.gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), user.uid, user.gid, follow_symlinks=False)


def user_can_write(user: RunAs, path: Path) -> bool:
    probe = run_as(
        user, ["/bin/sh", "-c", 'test -d "$1" -a -w "$1" -a -x "$1"', "sh", str(path)], Path("/")
    )
    return probe.returncode == 0


# --------------------------------------------------------------------------- cluster


def write_state(d: Path, state: dict[str, Any]) -> None:
    (d / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")


def database_url(port: int, name: str) -> str:
    return f"postgresql+asyncpg://{ROLE}@127.0.0.1:{port}/{name}"


def stem_conf(port: int) -> str:
    return "\n".join(
        [
            "# written by tools/infra/postgres.py start; rewritten on every start",
            "listen_addresses = '127.0.0.1'",
            f"port = {port}",
            "unix_socket_directories = ''",
            "max_connections = 200",
            "shared_buffers = 128MB",
            # a throwaway test cluster: durability off
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "logging_collector = off",
            "log_min_messages = warning",
            "log_timezone = 'UTC'",
            "timezone = 'UTC'",
            "",
        ]
    )


PG_HBA = """\
# written by tools/infra/postgres.py: TCP from 127.0.0.1 only, trust
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  trust
"""


@dataclass
class Cluster:
    d: Path
    cluster_dir: Path
    bindir: Path
    user: RunAs

    @property
    def data(self) -> Path:
        return self.cluster_dir / "pgdata"

    @property
    def log(self) -> Path:
        return self.cluster_dir / LOG_FILE

    def pg_ctl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run_as(
            self.user,
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            self.cluster_dir,
            timeout=timeout,
        )

    def is_running(self) -> bool:
        return self.data.is_dir() and self.pg_ctl("status").returncode == 0

    def psql(self, port: int, sql: str, db: str = "postgres") -> str:
        opts = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        conn = ["-h", "127.0.0.1", "-p", str(port), "-U", ROLE, "-d", db]
        proc = subprocess.run(
            [psql_bin(self.bindir), *opts, *conn, "-c", sql],
            env=_clean_env(),
            text=True,
            capture_output=True,
        )
        if proc.returncode != 0:
            raise InfraError(f"psql failed on {sql!r}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def ensure_database(self, port: int, name: str, recreate: bool = False) -> str:
        if not DB_NAME_RE.match(name):
            raise InfraError(f"database name {name!r}: use [a-z_][a-z0-9_]*")
        exists = self.psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
        if exists and recreate:
            self.psql(port, f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if exists:
            return "exists"
        self.psql(port, f'CREATE DATABASE "{name}" OWNER "{ROLE}"')
        return "created"


def load_cluster(d: Path, *, install: bool) -> Cluster:
    state = read_json(d / STATE_FILE)
    bindir = Path(state["bindir"]) if "bindir" in state else None
    if bindir is None or not (bindir / "pg_ctl").is_file():
        bindir = ensure_bindir() if install else find_bindir()
    if bindir is None:
        raise InfraError("PostgreSQL is not installed")
    cluster_dir = Path(state.get("cluster_dir", str(d)))
    recorded = state.get("os_user") if (cluster_dir / "pgdata" / "PG_VERSION").exists() else None
    user = server_user(str(recorded) if recorded else None)
    return Cluster(d=d, cluster_dir=cluster_dir, bindir=bindir, user=user)


def print_result(port: int, version: str, env_file: str | None) -> None:
    lines = [f"port={port}", f"version={version}"]
    lines += [f"{db.upper()}_DATABASE_URL={database_url(port, db)}" for db in SERVICE_DATABASES]
    for line in lines:
        print(line)
    if env_file:
        Path(env_file).write_text(
            "".join(f"{line}\n" for line in lines if "_DATABASE_URL=" in line)
        )
        say(f"wrote {env_file}")


# --------------------------------------------------------------------------- commands


def cmd_start(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    d.mkdir(parents=True, exist_ok=True)
    cluster = load_cluster(d, install=True)
    version = server_version(cluster.bindir)
    state = read_json(d / STATE_FILE)

    if cluster.is_running():
        running_port = int(state["port"])
        say(f"a cluster is already running from {cluster.data} on port {running_port}")
        for db in SERVICE_DATABASES:
            cluster.ensure_database(running_port, db)
        print_result(running_port, version, args.env_file)
        return 0

    port: int = args.port or free_port()
    if not port_is_free(port):
        raise InfraError(f"port {port} on 127.0.0.1 is in use (try --port 0)")

    user = cluster.user
    if not (cluster.data / "PG_VERSION").is_file():
        # a new cluster: where can the unprivileged user write?
        chown_tree(d, user)
        if user_can_write(user, d):
            cluster.cluster_dir = d
        else:
            tmp = Path(tempfile.mkdtemp(prefix="stem-pg-"))
            chown_tree(tmp, user)
            say(f"{user.name} cannot write {d} (a parent folder is closed); cluster in {tmp}")
            cluster.cluster_dir = tmp
        say(f"initdb {cluster.data} as OS user {user.name}, superuser role {ROLE}")
        init = run_as(
            user,
            [
                str(cluster.bindir / "initdb"),
                *("-D", str(cluster.data), "-U", ROLE, "--auth=trust"),
                *("--encoding=UTF8", "--locale=C", "--no-sync"),
            ],
            cluster.cluster_dir,
        )
        if init.returncode != 0:
            raise InfraError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude 'stem.conf'\n")
        (cluster.data / "pg_hba.conf").write_text(PG_HBA)

    (cluster.data / "stem.conf").write_text(stem_conf(port))
    chown_tree(cluster.data, user)
    write_state(
        d,
        {
            "port": port,
            "version": version,
            "bindir": str(cluster.bindir),
            "cluster_dir": str(cluster.cluster_dir),
            "data": str(cluster.data),
            "os_user": user.name,
        },
    )

    say(f"starting {version} on 127.0.0.1:{port}, log {cluster.log}")
    started = time.monotonic()
    proc = cluster.pg_ctl("-l", str(cluster.log), "-w", "-t", "60", "start")
    if proc.returncode != 0:
        raise InfraError(
            f"pg_ctl start failed ({proc.stdout.strip()} {proc.stderr.strip()}); "
            f"last lines of {cluster.log}:\n{log_tail(cluster.log, 30)}"
        )
    for db in SERVICE_DATABASES:
        say(f"database {db}: {cluster.ensure_database(port, db)}")
    say(f"ready in {time.monotonic() - started:.1f} s")
    print_result(port, version, args.env_file)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    if not (d / STATE_FILE).is_file():
        say(f"no cluster in {d}")
        return 0
    cluster = load_cluster(d, install=False)
    if cluster.is_running():
        say(f"stopping the cluster in {cluster.data}")
        proc = cluster.pg_ctl("-m", "fast", "-w", "-t", str(int(args.timeout)), "stop")
        if proc.returncode != 0:
            say(f"fast shutdown failed ({proc.stderr.strip()}): immediate shutdown")
            cluster.pg_ctl("-m", "immediate", "-w", "-t", "30", "stop")
    else:
        say(f"no cluster running from {cluster.data}")
    if cluster.cluster_dir != d and cluster.cluster_dir.name.startswith("stem-pg-"):
        shutil.rmtree(cluster.cluster_dir, ignore_errors=True)
        state = read_json(d / STATE_FILE)
        state.pop("cluster_dir", None)
        state.pop("data", None)
        write_state(d, state)
        say(f"removed the throwaway cluster in {cluster.cluster_dir}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    if not (d / STATE_FILE).is_file():
        print("status=stopped")
        return 3
    cluster = load_cluster(d, install=False)
    if not cluster.is_running():
        print("status=stopped")
        return 3
    state = read_json(d / STATE_FILE)
    print(f"port={state['port']}")
    print(f"version={state.get('version', server_version(cluster.bindir))}")
    print(f"data={cluster.data}")
    print("status=running")
    return 0


def cmd_createdb(args: argparse.Namespace) -> int:
    d = Path(args.dir).resolve()
    cluster = load_cluster(d, install=False)
    if not cluster.is_running():
        raise InfraError(f"no cluster running from {d}: run start first")
    port = int(read_json(d / STATE_FILE)["port"])
    say(f"database {args.name}: {cluster.ensure_database(port, args.name, args.recreate)}")
    print(f"url={database_url(port, args.name)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postgres.py", description="Run a throwaway PostgreSQL cluster as a plain process."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("start", help="create (if needed) and start the cluster in DIR")
    p.add_argument("--dir", required=True, help="working dir: pgdata, postgres.log, state")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 = a free one")
    p.add_argument("--env-file", help="also write the *_DATABASE_URL=... lines to this file")
    p.set_defaults(fn=cmd_start)

    p = sub.add_parser("stop", help="stop the cluster of DIR (data kept)")
    p.add_argument("--dir", required=True)
    p.add_argument("--timeout", type=float, default=30.0)
    p.set_defaults(fn=cmd_stop)

    p = sub.add_parser("status", help="exit 0 if the cluster of DIR runs, 3 if not")
    p.add_argument("--dir", required=True)
    p.set_defaults(fn=cmd_status)

    p = sub.add_parser("createdb", help="create database NAME (owner stem); prints url=...")
    p.add_argument("name")
    p.add_argument("--dir", required=True)
    p.add_argument("--recreate", action="store_true", help="drop it first if it exists")
    p.set_defaults(fn=cmd_createdb)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rc: int = args.fn(args)
        return rc
    except (InfraError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"postgres.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
