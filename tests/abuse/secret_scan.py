"""Find secrets in log files: each secret as given and in the forms a leak usually takes.

A secret can leak encoded: a DSN password URL-quoted, a key base64-encoded in a header
dump, a `whsec_` secret as its base64 payload or as the raw key it decodes to. Each of
these forms is searched for, line by line, and every hit is reported with its place.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SHORTEST = 8  # shorter forms would match by chance


@dataclass(frozen=True)
class Leak:
    file: str
    line: int
    secret: str  # the secret's name, never its value
    form: str


def forms(secret: str) -> dict[str, str]:
    """The secret and its encodings, by name; forms too short to be telling are left out."""
    raw = secret.encode()
    found = {
        "plain": secret,
        "url-quoted": quote(secret, safe=""),
        "base64": base64.b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "hex": raw.hex(),
    }
    if secret.startswith("whsec_"):  # Standard Webhooks: the payload, and the key it holds
        payload = secret.removeprefix("whsec_")
        found["whsec payload"] = payload
        try:
            key = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if key:
            found["whsec key (hex)"] = key.hex()
            if key.isascii() and key.decode().isprintable():
                found["whsec key"] = key.decode()
    return {name: value for name, value in found.items() if len(value) >= SHORTEST}


def scan_lines(
    lines: Iterable[str], secrets: Mapping[str, str], file: str = "<lines>"
) -> list[Leak]:
    wanted = {
        (name, form): value for name, s in secrets.items() for form, value in forms(s).items()
    }
    leaks = []
    for number, line in enumerate(lines, start=1):
        for (name, form), value in wanted.items():
            if value in line:
                leaks.append(Leak(file, number, name, form))
    return leaks


def scan_files(paths: Iterable[Path], secrets: Mapping[str, str]) -> list[Leak]:
    leaks = []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            leaks += scan_lines(lines, secrets, path.name)
    return leaks
