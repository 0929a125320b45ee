"""Ports, pids and process groups of the servers that tools/infra/kafka.py, postgres.py and
keycloak.py run as plain processes, and the small state and log files they keep beside them.

Each server is started in its own session (``start_new_session=True``), so its pid is also
its process group id: stopping the group stops whatever the server started too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any


class InfraError(Exception):
    """A failure with a message meant for the person running the tool."""


def free_port(exclude: set[int] | None = None) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (none of ``exclude``)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if not exclude or port not in exclude:
            return port


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # The servers bind with SO_REUSEADDR, so the connections of a stopped one that linger
        # in TIME_WAIT do not keep it off its port; check the same way, or a restart on the
        # same port would be refused for a minute.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_group(
    cmd: list[str],
    *,
    cwd: Path,
    log: Path,
    pid_file: Path,
    header: str,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in its own session, its output appended to ``log`` after a dated
    ``header`` line; write its pid (also its process group id) to ``pid_file``."""
    with log.open("ab") as out:
        out.write(f"\n===== {header} {time.strftime('%Y-%m-%dT%H:%M:%S')} =====\n".encode())
        out.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc


def process_state(pid: int) -> str | None:
    """The kernel's one-letter state of ``pid`` (R, S, T stopped, Z zombie...); None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = process_state(pid)
    return state is not None and state != "Z"  # a zombie (nobody reaped it yet) is dead


def running_pid(pid_file: Path, *markers: str) -> int | None:
    """The pid in ``pid_file`` if that process runs and every marker is one of its
    arguments: a pid reused by another program is not taken for our server."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if not alive(pid):
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return pid if all(m.encode() in argv for m in markers) else None


def stop_groups(
    pids: list[int], timeout: float, say: Callable[[str], None] | None = None
) -> list[int]:
    """SIGTERM every process group at once (a cluster shuts down together, or its last
    brokers wait for a controller that is gone), then SIGKILL those still alive after
    ``timeout`` seconds; returns the pids that had to be killed."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    killed = [p for p in pids if alive(p)]
    for pid in killed:
        if say is not None:
            say(f"pid {pid} still alive after {timeout:.0f} s: SIGKILL")
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    for _ in range(50):
        if not any(alive(p) for p in killed):
            break
        time.sleep(0.1)
    return killed


def kill_group(pid: int, timeout: float, say: Callable[[str], None] | None = None) -> bool:
    """SIGTERM the process group, wait, SIGKILL. True if it had to be killed."""
    return bool(stop_groups([pid], timeout, say))


def read_json(path: Path) -> dict[str, Any]:
    """The object in a state file; {} when there is none (or it is not one)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
