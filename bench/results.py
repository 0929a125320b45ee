"""One format for every benchmark's figures, so `make bench` can write docs/performance.md.

Each bench script still prints its figures for a human; it also calls `record()` once per
figure. A record is one JSON line appended to `$STEM_BENCH_RESULTS` (set by scripts/bench.sh);
without that variable, `record()` does nothing, so a bench run by hand only prints.

A figure names its baseline measured in the same run (`baseline`, `baseline_value`), and the
target it is held to, if any, in words (`target`, e.g. ">= 1000/s" or "<= 0.05 s").
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    bench: str  # the bench script's short name, e.g. "webhook"
    name: str  # what was measured, e.g. "signed deliveries into PostgreSQL, closed loop"
    value: float
    unit: str  # e.g. "deliveries/s", "ms", "MB", "s"
    baseline: str | None = None  # what the value is compared with, measured in the same run
    baseline_value: float | None = None
    target: str | None = None  # the goal in words, e.g. ">= 1000"
    met: bool | None = None  # whether the target was met, when there is one
    note: str | None = None  # anything a reader needs to read the figure right


def record(figure: Figure) -> None:
    path = os.environ.get("STEM_BENCH_RESULTS")
    if not path:
        return
    line = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **asdict(figure)}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def read(path: Path) -> list[Figure]:
    """The figures of one run, in the order they were recorded."""
    figures: list[Figure] = []
    if not path.exists():
        return figures
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            data = json.loads(raw)
            data.pop("at", None)
            figures.append(Figure(**data))
    return figures
