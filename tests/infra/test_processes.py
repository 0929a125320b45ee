"""The process, port and cache helpers that tools/infra/kafka.py, postgres.py and keycloak.py
share (tools/infra/processes.py, installs.py), on real processes, sockets and files; and the
three tools still run as scripts (`python tools/infra/kafka.py ...`, as the scripts call them)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tools.infra import installs, processes

ROOT = Path(__file__).resolve().parents[2]


def _sleeper(*extra: str, ignore_term: bool = False) -> subprocess.Popen[bytes]:
    """A child in its own session (as the tools start their servers), with `extra` in argv."""
    code = "import signal, time\n"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('up', flush=True)\ntime.sleep(120)\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *extra], stdout=subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    return proc


def _reap(proc: subprocess.Popen[bytes]) -> None:
    # Reap in the background, as a parent that is not this tool does: kill_group must see a
    # dead process as dead even before (or without) its parent waiting for it.
    threading.Thread(target=proc.wait, daemon=True).start()


def test_free_port_is_bindable_and_avoids_the_excluded() -> None:
    first = processes.free_port()
    assert processes.port_is_free(first)
    for _ in range(20):
        assert processes.free_port({first}) != first


def test_a_listening_port_is_not_free() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert not processes.port_is_free(s.getsockname()[1])


def test_running_pid_names_only_a_live_process_with_every_marker(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    assert processes.running_pid(pid_file, "marker") is None  # no file
    proc = _sleeper("--home=" + str(tmp_path), "marker")
    try:
        pid_file.write_text(f"{proc.pid}\n")
        assert processes.running_pid(pid_file, "marker", f"--home={tmp_path}") == proc.pid
        # a pid reused by another program: one marker missing
        assert processes.running_pid(pid_file, "marker", "kafka.Kafka") is None
        assert processes.running_pid(pid_file, "mark") is None  # whole arguments only
    finally:
        proc.kill()
        proc.wait()
    assert processes.running_pid(pid_file, "marker") is None
    pid_file.write_text("not a pid\n")
    assert processes.running_pid(pid_file, "marker") is None


def test_kill_group_stops_with_sigterm_and_kills_what_ignores_it() -> None:
    polite = _sleeper()
    _reap(polite)
    assert processes.alive(polite.pid)
    assert processes.kill_group(polite.pid, timeout=10) is False
    assert not processes.alive(polite.pid)

    stubborn = _sleeper(ignore_term=True)
    _reap(stubborn)
    said: list[str] = []
    assert processes.kill_group(stubborn.pid, timeout=0.5, say=said.append) is True
    assert not processes.alive(stubborn.pid)
    assert said == [f"pid {stubborn.pid} still alive after 0 s: SIGKILL"]
    assert processes.kill_group(stubborn.pid, timeout=1) is False  # gone already


def test_stop_groups_stops_them_together() -> None:
    procs = [_sleeper(), _sleeper(ignore_term=True)]
    for proc in procs:
        _reap(proc)
    killed = processes.stop_groups([p.pid for p in procs], timeout=0.5)
    assert killed == [procs[1].pid]
    assert not any(processes.alive(p.pid) for p in procs)


def test_a_stopped_process_shows_its_state() -> None:
    proc = _sleeper()
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        for _ in range(100):
            if processes.process_state(proc.pid) in ("T", "t"):
                break
            threading.Event().wait(0.01)
        assert processes.process_state(proc.pid) in ("T", "t")
        assert processes.alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert processes.process_state(proc.pid) is None


def test_read_json_and_log_tail(tmp_path: Path) -> None:
    assert processes.read_json(tmp_path / "none.json") == {}
    (tmp_path / "list.json").write_text("[1, 2]")
    assert processes.read_json(tmp_path / "list.json") == {}
    (tmp_path / "bad.json").write_text("{")
    assert processes.read_json(tmp_path / "bad.json") == {}
    (tmp_path / "s.json").write_text('{"port": 9092}')
    assert processes.read_json(tmp_path / "s.json") == {"port": 9092}

    assert processes.log_tail(tmp_path / "none.log") == "(no log)"
    (tmp_path / "x.log").write_text("".join(f"line {i}\n" for i in range(100)))
    assert processes.log_tail(tmp_path / "x.log", 2) == "line 98\nline 99"
    assert len(processes.log_tail(tmp_path / "x.log").splitlines()) == 40


def test_cache_root_follows_stem_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STEM_CACHE_DIR", str(tmp_path))
    assert installs.cache_root("kafka") == tmp_path / "kafka"
    monkeypatch.delenv("STEM_CACHE_DIR")
    assert installs.cache_root("keycloak") == Path.home() / ".cache/stem-platform/keycloak"


def test_locked_excludes_a_second_holder(tmp_path: Path) -> None:
    lock = tmp_path / "sub" / ".lock"
    order: list[str] = []
    with installs.locked(lock):
        other = threading.Thread(target=lambda: _hold(lock, order))
        other.start()
        other.join(0.3)
        order.append("first done")
    other.join(5)
    assert order == ["first done", "second"]


def _hold(lock: Path, order: list[str]) -> None:
    with installs.locked(lock):  # flock on a new open file: excludes within one process too
        order.append("second")


def test_pom_property_and_java_major(tmp_path: Path) -> None:
    assert installs.pom_property(ROOT / "tools/infra/kafka/pom.xml", "kafka.version")[0].isdigit()
    with pytest.raises(processes.InfraError, match="no <nope> property"):
        installs.pom_property(ROOT / "tools/infra/kafka/pom.xml", "nope")
    assert installs.java_major(tmp_path / "no-java") is None


@pytest.mark.parametrize(
    ("tool", "args", "expect"),
    [
        ("kafka.py", ["version"], "Apache Kafka "),
        ("keycloak.py", ["users"], "password="),
        ("postgres.py", ["status", "--dir", "{tmp}"], "status=stopped"),
        ("kafka.py", ["status", "--dir", "{tmp}"], "status=stopped"),
        ("keycloak.py", ["status", "--dir", "{tmp}"], "status=stopped"),
    ],
)
def test_the_tools_run_as_scripts(tool: str, args: list[str], expect: str, tmp_path: Path) -> None:
    # from another folder, with no PYTHONPATH: as scripts/*.sh and the docs call them
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools/infra" / tool), *(a.format(tmp=tmp_path) for a in args)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert expect in result.stdout, result.stderr


def test_which_or_install_finds_a_present_command_without_installing() -> None:
    said: list[str] = []
    assert installs.which_or_install("sh", "dash", said.append) == shutil.which("sh")
    assert said == []


def test_start_group_logs_and_records_its_pid(tmp_path: Path) -> None:
    code = "import os, time; print('hello', os.environ['X'], flush=True); time.sleep(120)"
    proc = processes.start_group(
        [sys.executable, "-c", code, "marker"],
        cwd=tmp_path,
        log=tmp_path / "x.log",
        pid_file=tmp_path / "x.pid",
        header="x.py start",
        env={**os.environ, "X": "there"},
    )
    _reap(proc)
    try:
        assert processes.running_pid(tmp_path / "x.pid", "marker") == proc.pid
        assert os.getpgid(proc.pid) == proc.pid  # its own group: a stop reaches its children
        for _ in range(200):
            if "hello there" in processes.log_tail(tmp_path / "x.log"):
                break
            threading.Event().wait(0.05)
        log = (tmp_path / "x.log").read_text().splitlines()
        assert log[1].startswith("===== x.py start ") and log[1].endswith(" =====")
        assert log[2] == "hello there"
    finally:
        assert processes.kill_group(proc.pid, timeout=10) is False
