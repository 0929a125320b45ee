"""Progress lines and figures of a chaos run go to stdout, as they happen."""

from __future__ import annotations

import sys


def say(text: str) -> None:
    sys.stdout.write(f"chaos: {text}\n")
    sys.stdout.flush()


def show(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
