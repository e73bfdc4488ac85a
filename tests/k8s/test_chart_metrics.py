"""The chart's optional Prometheus Operator objects: a ServiceMonitor that scrapes the API's /metrics with the
metrics token, and a PrometheusRule whose rules `promtool` (Debian's `prometheus` package) accepts and whose
alerts fire on the series they are about."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.k8s.test_chart import render

ON = {"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus"}},
                  "prometheusRule": {"enabled": True, "errorRatio": 0.05, "labels": {"release": "kube-prometheus"}}},
      "ingress": {"enabled": True, "tlsSecret": "api-tls"}}  # fmt: skip
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing: apt-get install prometheus")


def _one(objects: list[dict[str, Any]], kind: str, name_end: str = "") -> dict[str, Any]:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"].endswith(name_end)]
    return found


def test_prometheus_objects_appear_only_when_switched_on() -> None:
    assert not {o["kind"] for o in render()} & {"ServiceMonitor", "PrometheusRule"}
    assert {"ServiceMonitor", "PrometheusRule"} <= {o["kind"] for o in render(ON)}


def test_the_service_monitors_scrape_the_api_with_the_metrics_token_and_the_exporter() -> None:
    objects = render(ON)
    monitor, api = _one(objects, "ServiceMonitor", "-api"), _one(objects, "Service", "-api")
    exporter_monitor, exporter = _one(objects, "ServiceMonitor", "-exporter"), _one(objects, "Service", "-exporter")
    exporter_selector = exporter_monitor["spec"]["selector"]["matchLabels"]
    assert [
        o for o in objects if o["kind"] == "Service" and exporter_selector.items() <= o["metadata"]["labels"].items()
    ] == [exporter]
    assert exporter_monitor["spec"]["endpoints"][0]["port"] == exporter["spec"]["ports"][0]["name"] == "metrics"
    exporter_pod = _one(objects, "Deployment", "-exporter")["spec"]["template"]["spec"]
    assert exporter_pod["containers"][0]["args"] == ["hugdata", "exporter", "--port", "9102"]
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus"
    selector = monitor["spec"]["selector"]["matchLabels"]
    services = [o for o in objects if o["kind"] == "Service" and selector.items() <= o["metadata"]["labels"].items()]
    assert services == [api]
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics" and endpoint["port"] in [p["name"] for p in api["spec"]["ports"]]
    credentials = endpoint["authorization"]["credentials"]
    secret = next(o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == credentials["name"])
    assert credentials["key"] in secret["data"]
    # The API reads the same key as HUGDATA_METRICS_TOKEN.
    api_pod = _one(objects, "Deployment", "-api")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in api_pod["containers"][0]["env"]}
    assert env["HUGDATA_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == credentials["key"]


def _rules_file(tmp_path: Path) -> Path:
    rule = _one(render(ON), "PrometheusRule")
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rule["spec"]))
    return path


@needs_promtool
def test_promtool_accepts_every_rule(tmp_path: Path) -> None:
    checked = subprocess.run([PROMTOOL, "check", "rules", str(_rules_file(tmp_path))], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # 7 + a missing platform, TLS or run Secret (run pods read theirs in its namespace) + the certificate's expiry
    assert "11 rules found" in checked.stdout


def test_the_rules_carry_the_selector_labels_prometheus_picks_them_by() -> None:
    rule = _one(render(ON), "PrometheusRule")
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus"
    names = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if r["alert"] != "HugdataSecretMissing"]
    assert len(names) == len(set(names)) == 8
    watched = [r["labels"]["secret"] for g in rule["spec"]["groups"] for r in g["rules"] if "secret" in r["labels"]]
    assert watched == ["hd-hugdata-secrets", "api-tls", "hd-hugdata-run"]
    runs = render({**ON, "runs": {"namespace": "hugdata-runs"}})
    [missing_run] = [r for g in _one(runs, "PrometheusRule")["spec"]["groups"] for r in g["rules"]
                     if r["labels"].get("secret") == "hd-hugdata-run"]  # fmt: skip
    assert 'namespace="hugdata-runs",secret="hd-hugdata-run"' in missing_run["expr"]


@needs_promtool
def test_the_alerts_fire_on_the_series_they_watch(tmp_path: Path) -> None:
    rules = _rules_file(tmp_path)
    job = 'job="hd-hugdata-api"'
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    # 10% of answers are 5xx for 20 minutes: above the 5% line.
                    {"series": f'hugdata_api_requests_total{{{job},status_class="2xx"}}', "values": "0+90x20"},
                    {"series": f'hugdata_api_requests_total{{{job},status_class="5xx"}}', "values": "0+10x20"},
                    {"series": f'hugdata_webhook_outbox_oldest_pending_age_seconds{{{job}}}', "values": "1000x20"},
                    {"series": f"up{{{job}}}", "values": "1x20"},
                    {"series": 'hugdata_dagster_oldest_queued_run_age_seconds{job="hd-hugdata-exporter"}',
                     "values": "3600x30"},
                    {"series": 'hugdata_catalogs_stale{job="hd-hugdata-exporter"}', "values": "1x90"},
                    {"series": 'hugdata_projects{job="hd-hugdata-exporter"}', "values": "1000x90"},
                    # The TLS and run Secrets exist, the platform Secret does not; the certificate expires on day 7.
                    {"series": 'kube_secret_info{namespace="hugdata",secret="api-tls"}', "values": "1x90"},
                    {"series": 'kube_secret_info{namespace="hugdata",secret="hd-hugdata-run"}', "values": "1x90"},
                    {"series": 'certmanager_certificate_expiration_timestamp_seconds{namespace="hugdata",name="api"}',
                     "values": "604800x90"},
                ],
                "alert_rule_test": [
                    {"eval_time": "16m", "alertname": "HugdataApiErrorRatio",
                     "exp_alerts": [{"exp_labels": {"severity": "critical"}, "exp_annotations": {
                         "summary": "More than 5% of API answers are server errors",
                         "description": "5xx ratio 10% over 10 minutes."}}]},
                    {"eval_time": "16m", "alertname": "HugdataWebhookBacklog",
                     "exp_alerts": [{"exp_labels": {"severity": "warning"}, "exp_annotations": {
                         "summary": "Webhooks to Laravel are falling behind",
                         "description": "The oldest undelivered webhook is 16m 40s old."}}]},
                    {"eval_time": "16m", "alertname": "HugdataApiDown", "exp_alerts": []},
                    {"eval_time": "16m", "alertname": "HugdataRunQueueStuck",
                     "exp_alerts": [{"exp_labels": {"severity": "warning"}, "exp_annotations": {
                         "summary": "Tenant runs wait in the queue",
                         "description": "The oldest queued run is 1h 0m 0s old: the daemon is down or the cluster "
                                        "has no room for Jobs."}}]},
                    # 1 stale of 1,000 is under the 5% line: no page.
                    {"eval_time": "80m", "alertname": "HugdataCatalogsStale", "exp_alerts": []},
                    {"eval_time": "10m", "alertname": "HugdataSecretMissing",
                     "exp_alerts": [{"exp_labels": {"severity": "critical", "secret": "hd-hugdata-secrets",
                                                    "namespace": "hugdata", "secret_namespace": "hugdata"},
                                     "exp_annotations": {
                         "summary": "A Secret the platform reads is missing",
                         "description": "Secret hd-hugdata-secrets is not in namespace hugdata: new pods or run pods "
                                        "cannot start and the platform cannot decrypt tenants' credentials."}}]},
                    {"eval_time": "80m", "alertname": "HugdataCertificateExpiring",
                     "exp_alerts": [{"exp_labels": {"severity": "warning"}, "exp_annotations": {
                         "summary": "The API's TLS certificate expires soon",
                         "description": "A certificate in hugdata expires in 6d 22h 40m 0s; cert-manager has not "
                                        "renewed it."}}]},
                ],
            }
        ],
    }  # fmt: skip
    path = tmp_path / "tests.yaml"
    path.write_text(yaml.safe_dump(tests))
    tested = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
