"""`make run`'s install step on the machine a newcomer has: a normal user (no root, no sudo)
whose `python3` is the system's externally-managed Python (PEP 668), on a fresh copy of the
repository (issue 22). The test runs as root to create that user, and removes it after."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_BIN = "/usr/bin:/bin"  # a stock PATH: no pyenv, no uv
# The machine's network settings (a proxy, its CA bundle), as a newcomer's shell has them.
PROXIES = ("http_proxy", "https_proxy", "no_proxy")
PASSED_ON = ("SSL_CERT_FILE", "SSL_CERT_DIR", *PROXIES, *(name.upper() for name in PROXIES))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="creates a Linux user (useradd)"),
    pytest.mark.skipif(
        hasattr(os, "geteuid") and os.geteuid() != 0,
        reason="creating an unprivileged user needs root (CI and make test run as root)",
    ),
]


def system_python_is_externally_managed() -> bool:
    python3 = shutil.which("python3", path=SYSTEM_BIN)
    if python3 is None:
        return False
    stdlib = subprocess.run(
        [python3, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return (Path(stdlib) / "EXTERNALLY-MANAGED").is_file()


@contextlib.contextmanager
def newcomer() -> Iterator[tuple[str, Path]]:
    """A throwaway user without sudo, and a folder it owns (its home and the repo copy)."""
    name = f"stem-new-{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="stem-newcomer-"))
    try:
        subprocess.run(
            [
                "useradd",
                "--no-create-home",
                "--home-dir",
                str(folder / "home"),
                "--shell",
                "/bin/sh",
                "--user-group",
                name,
            ],
            check=True,
        )
        try:
            (folder / "home").mkdir()
            copy_of_the_repo(folder / "repo")
            user = pwd.getpwnam(name)
            for path in (folder, *folder.rglob("*")):
                os.lchown(path, user.pw_uid, user.pw_gid)
            yield name, folder
        finally:
            subprocess.run(["userdel", name], check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def copy_of_the_repo(target: Path) -> None:
    """The working tree as `git ls-files` sees it: no .venv, no var/, no caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)


def as_user(
    name: str, folder: Path, *command: str, path: str = SYSTEM_BIN
) -> subprocess.CompletedProcess[str]:
    environment = {
        "HOME": str(folder / "home"),
        "PATH": path,
        "LANG": "C.UTF-8",
        "UV_CACHE_DIR": str(folder / "uv-cache"),  # removed with the folder
        **{k: os.environ[k] for k in PASSED_ON if k in os.environ},
    }
    return subprocess.run(
        [
            "runuser",
            "-u",
            name,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in environment.items()),
            *command,
        ],
        cwd=folder / "repo",
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.timeout(300)
def test_make_run_install_step_as_a_normal_user_on_an_externally_managed_python() -> None:
    if not system_python_is_externally_managed():
        pytest.skip("no externally-managed python3 in /usr/bin (PEP 668) on this machine")
    assert shutil.which("uv", path=SYSTEM_BIN) is None, "uv on the stock PATH: nothing to prove"
    for needed in ("java", "mvn"):  # `make run`'s system packages; the user cannot install them
        if shutil.which(needed, path=SYSTEM_BIN) is None:
            pytest.skip(f"{needed} not installed in /usr/bin: run make run once as root first")
    with newcomer() as (name, folder):
        # What the issue saw: pip refuses to install uv into the system's Python.
        refused = as_user(name, folder, "python3", "-m", "pip", "install", "--dry-run", "uv")
        assert refused.returncode != 0
        assert "externally-managed-environment" in refused.stderr + refused.stdout, refused

        installed = as_user(name, folder, "bash", "scripts/bootstrap.sh", "run")

        output = installed.stdout + installed.stderr
        assert installed.returncode == 0, output
        assert "apt-get" not in output and "chromium" not in output, output
        assert (folder / "repo" / "var" / "tools" / "uv-0.13.9" / "uv").is_file()
        works = as_user(
            name, folder, ".venv/bin/python", "-c", "import stemkit, registry; print('ok')"
        )
        assert works.stdout.strip() == "ok", works.stdout + works.stderr
        venv_python = (folder / "repo" / ".venv" / "bin" / "python").resolve()
        assert str(venv_python).startswith("/usr/bin/python3"), venv_python


def test_a_missing_system_package_is_named_with_the_one_command_to_run() -> None:
    """No Java, no Maven and no way to install them: one message, the packages and the command."""
    with newcomer() as (name, folder):
        bare = folder / "bin"  # a PATH with only what the script itself uses
        bare.mkdir()
        for tool in ("bash", "dirname", "uname", "id", "cut", "python3", "apt-get"):
            found = shutil.which(tool, path=SYSTEM_BIN)
            assert found is not None, tool
            (bare / tool).symlink_to(found)
        result = as_user(
            name, folder, str(bare / "bash"), "scripts/bootstrap.sh", "run", path=str(bare)
        )

        assert result.returncode == 1, result.stdout + result.stderr
        assert not (folder / "repo" / ".venv").exists()
        assert "sudo apt-get install -y --no-install-recommends openjdk-17-jre-headless maven" in (
            result.stderr
        ), result.stderr
        assert "chromium" not in result.stderr
