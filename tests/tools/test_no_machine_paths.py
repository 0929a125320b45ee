"""No file of the repository names a folder of one machine (issue 20): shared material is
`../shared/...`, caches are `${STEM_CACHE_DIR:-~/.cache/stem-platform}`, run folders `var/`."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Written in pieces, so that this file does not name them itself.
MACHINE_FOLDERS = ["/" + "work/", "/" + "root/", "/" + "home/"]


def repository_files() -> list[Path]:
    """Tracked files and new ones git does not ignore, as in the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_no_file_names_a_machine_folder() -> None:
    found = []
    for path in repository_files():
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        for number, line in enumerate(data.decode(errors="replace").splitlines(), 1):
            if any(folder in line for folder in MACHINE_FOLDERS):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert found == []
