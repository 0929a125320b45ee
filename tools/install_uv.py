"""Install the pinned uv into a project-local folder with nothing but python3's standard
library: no pip, no venv, no root, so it works on an externally-managed (PEP 668) Python.

    python3 tools/install_uv.py DEST    # DEST/uv, e.g. var/tools/uv-0.13.9/uv

It downloads this platform's uv wheel from PyPI, checks its SHA-256 against the one pinned
below (the same file `pip install uv==0.13.9` would take), and unpacks the `uv` binary.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import stat
import sys
import urllib.request
import zipfile
from pathlib import Path

VERSION = "0.13.9"
_FILES = "https://files.pythonhosted.org/packages"
# (system, machine, libc) -> (wheel URL on PyPI, its sha256 from PyPI's index)
WHEELS = {
    ("Linux", "x86_64", "glibc"): (
        f"{_FILES}/3d/aa/26d64642d808de4a652579ef950d7cd2d37f080a8babf9c67c6b75fc4c3f/"
        f"uv-{VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
    ),
    ("Linux", "x86_64", "musl"): (
        f"{_FILES}/fe/fe/794884de0efd3ac77a427cab21aa72c0483e100c55a42cd5cbb02c141b84/"
        f"uv-{VERSION}-py3-none-musllinux_1_1_x86_64.whl",
        "2c45530751517d6c3bbc69a19473f6effe47cce047bede01ffd8af7ea7b36b25",
    ),
    ("Linux", "aarch64", "any"): (
        f"{_FILES}/57/15/94b6cd62ac3ff6550288328e8035288875197cbc183f51554b266a69877b/"
        f"uv-{VERSION}-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64"
        ".musllinux_1_1_aarch64.whl",
        "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe",
    ),
    ("Darwin", "x86_64", "any"): (
        f"{_FILES}/1e/db/08e9ef4879bd667e6d7b4705e594e5bd3e4585f10fc63cb16b9fa2fac63e/"
        f"uv-{VERSION}-py3-none-macosx_10_12_x86_64.whl",
        "c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5",
    ),
    ("Darwin", "arm64", "any"): (
        f"{_FILES}/f3/a7/a8d7b074798c7fb3b26b37584b8fe2e29df2ccdc24ce7902caab2a53edbf/"
        f"uv-{VERSION}-py3-none-macosx_11_0_arm64.whl",
        "66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63",
    ),
}


def wheel_for_this_machine() -> tuple[str, str]:
    system, machine = platform.system(), platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "arm64" if system == "Darwin" else "aarch64"}.get(
        machine, machine
    )
    libc = "musl" if platform.libc_ver()[0] != "glibc" and system == "Linux" else "glibc"
    for key in ((system, machine, libc), (system, machine, "any")):
        if key in WHEELS:
            return WHEELS[key]
    sys.exit(
        f"install_uv: no pinned uv {VERSION} wheel for {system} {machine} ({libc}); "
        "install uv yourself: https://docs.astral.sh/uv/getting-started/installation/"
    )


def install(dest: Path) -> Path:
    url, sha256 = wheel_for_this_machine()
    print(f"==> downloading uv {VERSION} from PyPI ({url.rsplit('/', 1)[1]})", file=sys.stderr)
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        sys.exit(f"install_uv: {url} has sha256 {got}, expected {sha256}; not installed")
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        binary = wheel.read(f"uv-{VERSION}.data/scripts/uv")
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "uv"
    partial = dest / "uv.partial"
    partial.write_bytes(binary)
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(partial, target)  # never a half-written uv at the final path
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(install(Path(sys.argv[1])))
