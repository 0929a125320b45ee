"""What tools/infra/kafka.py, postgres.py and keycloak.py need before they can start a
server: a cache that survives runs (and a lock for filling it), a version read from a pom,
Debian packages, and the major version of a ``java``."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.infra.processes import InfraError

POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def cache_root(tool: str) -> Path:
    """``${STEM_CACHE_DIR:-~/.cache/stem-platform}/<tool>``."""
    env = os.environ.get("STEM_CACHE_DIR")
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "stem-platform"
    return base / tool


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (made if missing): one fetch into a cache at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def pom_property(pom: Path, name: str) -> str:
    """A ``<properties>`` value of a pom: where each tool's version lives."""
    node = ET.parse(pom).getroot().find(f"m:properties/m:{name}", POM_NS)
    if node is None or not (node.text or "").strip():
        raise InfraError(f"no <{name}> property in {pom}")
    return (node.text or "").strip()


def apt_install(packages: list[str], say: Callable[[str], None]) -> None:
    """Debian packages, as root or through `sudo -n` (never a password prompt); otherwise
    the one command a person runs (see docs/adr/0011-bootstrap-without-root.md)."""
    names = " ".join(packages)
    sudo: list[str] | None = []
    if os.geteuid() != 0:
        may_sudo = shutil.which("sudo") is not None and (
            subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
        )
        sudo = ["sudo", "-n"] if may_sudo else None
    if shutil.which("apt-get") is None or sudo is None:
        raise InfraError(
            f"{names} not installed and this user cannot install it; run once: "
            f"sudo apt-get install -y --no-install-recommends {names}"
        )
    say(f"installing {names} with {'sudo ' if sudo else ''}apt-get")
    apt = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    subprocess.run([*apt, "update", "-q"], check=True, stdout=sys.stderr)
    subprocess.run(
        [*apt, "install", "-y", "-q", "--no-install-recommends", *packages],
        check=True,
        stdout=sys.stderr,
    )


def which_or_install(command: str, package: str, say: Callable[[str], None]) -> str | None:
    """The path of ``command``, after installing its Debian ``package`` when it is missing."""
    found = shutil.which(command)
    if found is None:
        apt_install([package], say)
        found = shutil.which(command)
    return found


def java_major(java: Path | str) -> int | None:
    """The major version of a ``java`` binary (8 for 1.8); None when it does not say."""
    try:
        out = subprocess.run(
            [str(java), "-XshowSettings:properties", "-version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("java.specification.version ="):
            spec = line.split("=", 1)[1].strip()
            return int(spec.split(".")[1]) if spec.startswith("1.") else int(spec)
    return None
