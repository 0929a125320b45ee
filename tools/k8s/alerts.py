"""Write the rule groups of a PrometheusRule resource as a plain Prometheus rules file.

    uv run python -m tools.k8s.alerts PROMETHEUSRULE.yaml OUT.rules.yaml

`promtool check rules` and `promtool test rules` read rules files, not custom resources;
scripts/check-deploy.sh runs them on what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def extract(source: Path, target: Path) -> int:
    groups = []
    for doc in yaml.safe_load_all(source.read_text()):
        if doc and doc.get("kind") == "PrometheusRule":
            groups += doc["spec"]["groups"]
    if not groups:
        raise SystemExit(f"{source}: no PrometheusRule groups")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=100))
    return sum(len(g["rules"]) for g in groups)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    rules = extract(Path(argv[0]), Path(argv[1]))
    print(f"{rules} rules from {argv[0]} -> {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
