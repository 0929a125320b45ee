"""deploy/k8s/components/monitoring/prometheusrule.yaml: every metric an alert selects is one
the platform's code really exposes (an alert on a metric nobody exports can never fire, as
StemPollerNotSyncing could not before the poller exported its timestamp), and every alert
has a promtool unit test in alerts-test.yaml that expects it to fire and one that expects it
not to. The rules themselves run under `promtool test rules` in scripts/check-deploy.sh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.test_grafana import exposed_metrics, metric_names

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "components" / "monitoring"
# Series Prometheus itself makes, not the platform's code.
PROMETHEUS_OWN = {"up"}


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text())
    return [rule for group in document["spec"]["groups"] for rule in group["rules"]]


def unit_tests() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = yaml.safe_load((MONITORING / "alerts-test.yaml").read_text())[
        "tests"
    ]
    return found


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r["alert"])
def test_every_metric_of_an_alert_is_exposed_by_the_code(rule: dict[str, Any]) -> None:
    exposed = exposed_metrics()
    names = metric_names(rule["expr"])
    assert names, f"{rule['alert']}: no metric found in {rule['expr']!r}"
    used = names - PROMETHEUS_OWN
    missing = sorted(used - exposed)
    assert not missing, f"{rule['alert']} selects metrics no code defines: {missing}"


def test_metric_names_are_read_from_alert_expressions() -> None:
    # The check above is only as good as this parse.
    expr = "time() - max by (namespace, kind) (stem_poller_last_success_timestamp_seconds) > 3600"
    assert metric_names(expr) == {"stem_poller_last_success_timestamp_seconds"}
    expr = 'sum by (namespace) (increase(stem_activities_quarantined_total{source="x"}[1h])) > 10'
    assert metric_names(expr) == {"stem_activities_quarantined_total"}


def test_every_alert_has_a_firing_and_a_quiet_promtool_case() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in unit_tests():
        for check in case.get("alert_rule_test", []):
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    alerts = {rule["alert"] for rule in rules()}
    assert alerts - firing == set(), "alerts no promtool case expects to fire"
    # A case that expects alerts for some series also proves the others stay quiet; the
    # alerts below have their quiet series inside a firing case (see alerts-test.yaml).
    quiet_inside_firing = {"StemOutboxRelayDown", "StemHttp5xxRate"}
    assert alerts - quiet - quiet_inside_firing == set(), "alerts no promtool case expects quiet"
