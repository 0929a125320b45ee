"""Judge a checkov report against deploy/k8s/policy-exceptions.yaml.

    uv run python -m tools.k8s.policy REPORT.json [REPORT.json ...]

Prints every failed check, counted, with the reason when it is an explained exception.
Exit 1 when a finding is not explained, or when an exception no longer matches anything.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from tools.k8s.inventory import K8S_DIR

EXCEPTIONS_FILE = K8S_DIR / "policy-exceptions.yaml"


def load_exceptions(path: Path = EXCEPTIONS_FILE) -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(path.read_text())
    out: dict[str, dict[str, Any]] = {}
    for entry in doc["exceptions"]:
        if not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path}: {entry.get('check')} has no reason")
        out[str(entry["check"])] = entry
    return out


def failed_checks(report: Any) -> list[dict[str, Any]]:
    reports = report if isinstance(report, list) else [report]
    out: list[dict[str, Any]] = []
    for r in reports:
        if "results" in r:
            out += r["results"].get("failed_checks", [])
    return out


def kind_of(finding: dict[str, Any]) -> str:
    # checkov names Kubernetes resources "<Kind>.<namespace>.<name>"; Dockerfiles by path.
    resource = str(finding.get("resource", ""))
    return resource.split(".", 1)[0] if finding.get("check_type") != "dockerfile" else "Dockerfile"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    exceptions = load_exceptions()
    findings: list[dict[str, Any]] = []
    passed = 0
    for path in argv:
        report = json.loads(Path(path).read_text() or "[]")
        findings += failed_checks(report)
        for r in report if isinstance(report, list) else [report]:
            passed += int(r.get("summary", {}).get("passed", 0))
    counts: Counter[tuple[str, str, bool]] = Counter()
    used: set[str] = set()
    for f in findings:
        entry = exceptions.get(str(f["check_id"]))
        explained = entry is not None and kind_of(f) in entry.get("kinds", [kind_of(f)])
        if explained:
            used.add(str(f["check_id"]))
        else:
            print(
                f"UNEXPLAINED {f['check_id']} {f['check_name']}: {f.get('resource')} "
                f"({f.get('file_path')})"
            )
        counts[(str(f["check_id"]), str(f["check_name"]), explained)] += 1
    for (check, name, explained), n in sorted(counts.items()):
        state = "explained" if explained else "NOT explained"
        print(f"{n:4d} x {check} {name}: {state}")
        if explained:
            print(f"         why: {' '.join(str(exceptions[check]['reason']).split())}")
    stale = sorted(set(exceptions) - used)
    for check in stale:
        print(f"STALE exception {check}: no finding matches it any more; remove it")
    unexplained = sum(n for (_, _, ok), n in counts.items() if not ok)
    print(
        f"policy scan: {passed} checks passed, {len(findings)} failed "
        f"({len(findings) - unexplained} explained, {unexplained} unexplained), "
        f"{len(stale)} stale exceptions"
    )
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
