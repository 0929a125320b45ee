"""deploy/grafana/stem-platform.json: valid dashboard JSON whose every PromQL expression uses
only metrics the services really expose.

The exposed metrics are not a hand-kept list: every module of libs/stemkit and the services
that imports prometheus_client is imported, and the sample names its collectors would serve
on /metrics are read from prometheus_client's registry (a counter `x_total` serves
`x_total` and `x_created`, a histogram `x` serves `x_bucket`, `x_sum`, `x_count`...).
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "stem-platform.json"
SOURCES = [ROOT / "libs" / "stemkit" / "src", *sorted((ROOT / "services").glob("*/src"))]

# What the issue asks the dashboard to show, by the metric that shows it.
REQUIRED = {
    "request rates": "stem_http_requests_total",
    "latencies": "stem_http_request_duration_seconds_bucket",
    "consumer lag": "stem_consumer_lag",
    "outbox backlog": "stem_outbox_backlog",
    "dead letters": "stem_dead_letters_total",
    "quarantine": "stem_activities_quarantine_size",
}
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
}
# Words of PromQL that look like metric names but are not.
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
_KEYWORDS |= {"and", "or", "unless", "inf", "nan"}


def exposed_metrics() -> set[str]:
    """The sample names the platform's code can expose on /metrics."""
    for source in SOURCES:
        for path in source.rglob("*.py"):
            if "prometheus_client" in path.read_text(encoding="utf-8"):
                module = ".".join(path.relative_to(source).with_suffix("").parts)
                importlib.import_module(module.removesuffix(".__init__"))
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(f"{family.name}{suffix}" for suffix in _SUFFIXES.get(family.type, ("",)))
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings, e.g. in label matchers
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    # Grouping clauses name labels, not metrics.
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for found in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", text):
        name, call = found.group(1), found.group(2)
        if call is None and name.lower() not in _KEYWORDS:
            names.add(name)
    return names


def dashboard() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return found


def expressions(board: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expression) of every target, rows' nested panels included."""
    panels = [p for top in board["panels"] for p in (top, *top.get("panels", []))]
    found = [(p["title"], t["expr"]) for p in panels for t in p.get("targets", [])]
    variables = board.get("templating", {}).get("list", [])
    for variable in variables:
        query = variable.get("query")
        if variable.get("type") == "query":
            text = query["query"] if isinstance(query, dict) else query
            # label_values(metric, label): the metric is the first argument.
            inner = re.fullmatch(r"label_values\((.*),\s*\w+\)", text)
            found.append((f"${variable['name']}", inner.group(1) if inner else text))
    return found


def test_the_extractor_finds_metrics_and_skips_functions_labels_and_keywords() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (service, le) (rate(stem_x_bucket{service=~"$s",'
        'route="/a{b}"}[$__rate_interval]))) / on (service) group_left max(stem_y) > bool 1'
        " or vector(0) unless absent(stem_z_total offset 5m)"
    )
    assert metric_names(expr) == {"stem_x_bucket", "stem_y", "stem_z_total"}


def test_exposed_metrics_are_read_from_the_code() -> None:
    found = exposed_metrics()
    assert {"stem_http_requests_total", "stem_http_request_duration_seconds_bucket"} <= found
    assert "stem_http_requests_total_total" not in found
    assert "stem_not_a_metric" not in found


def test_the_dashboard_is_grafana_json_with_unique_panel_ids() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and isinstance(board["schemaVersion"], int)
    panels = [p for top in board["panels"] for p in (top, *top.get("panels", []))]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_every_metric_the_dashboard_queries_is_exposed() -> None:
    exposed = exposed_metrics()
    unknown = {
        (title, name)
        for title, expr in expressions(dashboard())
        for name in metric_names(expr)
        if name not in exposed
    }
    assert unknown == set(), f"metrics no service exposes: {sorted(unknown)}"


@pytest.mark.parametrize(("what", "metric"), sorted(REQUIRED.items()))
def test_the_dashboard_shows(what: str, metric: str) -> None:
    used = {name for _, expr in expressions(dashboard()) for name in metric_names(expr)}
    assert metric in used, f"no panel shows {what} ({metric})"
