"""Issue 19: what the tenant quota adds to a search. Project keys search through the served API (quotas counted in
Postgres, as every replica does); the `quota` entry of each response's Server-Timing is the time the check took.
Also: the same searches by the admin token (never counted) for the end-to-end difference, measured in one run.

BENCH_QUOTA_SEARCHES (default 400).
"""

from __future__ import annotations

import os
import statistics
import time

import httpx

from bench.harness import fresh_platform, percentile, served_api, write_report
from bench.search import server_timing
from hugdata.api.runtime import build_runtime
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.keys import issue_key
from hugdata.tenants.models import Dialect, Tier
from hugdata.tenants.registry import register_project

SEARCHES = int(os.environ.get("BENCH_QUOTA_SEARCHES", "400"))
PROJECTS = 20


def main() -> None:
    with fresh_platform() as bench:
        runtime = build_runtime(bench.settings)
        tokens = {}
        with runtime.sessions() as session:
            for i in range(PROJECTS):
                project_id = f"q{i:03d}"
                source = DataSourceSpec(dialect=Dialect.sqlite, path="/nonexistent.db")
                register_project(
                    session,
                    partitions=runtime.partitions,
                    vault=runtime.vault,
                    project_id=project_id,
                    name=project_id,
                    tier=Tier.standard,
                    webhook_url=None,
                    data_source=source,
                )
                tokens[project_id] = issue_key(session, project_id=project_id).token
            session.commit()
        runtime.close()
        with served_api(bench) as url, httpx.Client(base_url=url, timeout=30) as http:
            ids = sorted(tokens)
            for i in range(20):  # warm
                http.post(f"/v1/projects/{ids[i % PROJECTS]}/search", json={"query": "orders"},
                          headers={"Authorization": f"Bearer {tokens[ids[i % PROJECTS]]}"})  # fmt: skip
            quota_ms, keyed_ms, admin_ms = [], [], []
            for i in range(SEARCHES):
                project_id = ids[i % PROJECTS]
                for headers, into in (({"Authorization": f"Bearer {tokens[project_id]}"}, keyed_ms),
                                      (bench.admin_headers, admin_ms)):  # fmt: skip
                    started = time.perf_counter()
                    response = http.post(f"/v1/projects/{project_id}/search", json={"query": "orders"},
                                         headers=headers)  # fmt: skip
                    into.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                    if into is keyed_ms:
                        quota_ms.append(server_timing(response.headers["server-timing"])["quota"])
        write_report(
            "quotas",
            {
                "searches": SEARCHES,
                "load_average_at_end": os.getloadavg(),
                "quota_check_p50_ms": round(statistics.median(quota_ms), 3),
                "quota_check_p95_ms": round(percentile(quota_ms, 95), 3),
                "target_p50_ms": 1.0,
                "search_with_project_key_p50_ms": round(statistics.median(keyed_ms), 2),
                "search_with_admin_token_p50_ms": round(statistics.median(admin_ms), 2),
                "note": "the key's p50 also includes looking the key up, which the admin token skips",
            },
        )
