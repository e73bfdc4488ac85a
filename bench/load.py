"""Issue 19: the API under load, loopback only, against two API processes sharing one database.

Mix: BENCH_LOAD_CLIENTS threads for BENCH_LOAD_SECONDS, each request a weighted pick of registration (admin),
search, ask, run history and asset states (project keys of tenants with a real catalog), sent to the two processes
in turn as a load balancer would. Reports throughput, p50/p99 per route, 5xx (must be 0) and whether every 2xx
registration is in the registry afterwards.

Noisy tenant: both processes restarted with the default tier quotas. Quiet tenants search and ask at a steady pace
under their limits for BENCH_LOAD_QUOTA_SECONDS, first alone, then while one more tenant hammers search and ask
from BENCH_LOAD_NOISY_CLIENTS closed-loop clients; the quiet tenants' p99 must stay within 1.5 x its quiet value.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
from dagster import materialize

from bench.harness import (
    BenchPlatform,
    dagster_webserver,
    fresh_platform,
    percentile,
    psycopg_dsn,
    served_api,
    write_report,
)
from hugdata.config import Settings, get_settings
from hugdata.demo.ask_set import ASK_SET
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "120"))
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "8"))
QUOTA_SECONDS = float(os.environ.get("BENCH_LOAD_QUOTA_SECONDS", "90"))
NOISY_CLIENTS = int(os.environ.get("BENCH_LOAD_NOISY_CLIENTS", "2"))
MAX_REQUESTS = 200_000  # a bound on the run whatever the settings say
CATALOG = ("database_schema", "semantic_model", "schema_vector_index")
WEIGHTS = {"register": 10, "search": 40, "ask": 15, "runs": 15, "assets": 20}
SEARCHES = ("orders by customer", "product price", "invoice status", "employees", "revenue", "late payments")
QUESTIONS = {p: [pair.question for pair in ASK_SET if pair.project_id == p] for p in {a.project_id for a in ASK_SET}}
QUESTIONS["noisy-shop"] = QUESTIONS["demo-shop"]
# The quiet tenants' pace: under the free tier's 60 searches and 20 asks a minute.
QUIET_SEARCH_EVERY_S = 1.5
QUIET_ASK_EVERY_S = 4.0
DEFAULT_QUOTAS = ("HUGDATA_QUOTA_SEARCH_PER_MINUTE", "HUGDATA_QUOTA_ASK_PER_MINUTE")


class Recorder:
    """Latency and status of every request, by route; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[str] = Counter()
        self.examples: dict[str, dict[int, str]] = defaultdict(dict)  # the first refusal's message per status

    def send(self, route: str, http: httpx.Client, method: str, url: str, **kwargs: object) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors[f"{route}: {type(exc).__name__}"] += 1
            return None
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[route].append(elapsed)
            self.statuses[route][response.status_code] += 1
            if response.status_code >= 400 and response.status_code not in self.examples[route]:
                self.examples[route][response.status_code] = response.text[:300]
        return response

    def total(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    def summary(self) -> dict[str, object]:
        return {
            route: {
                "requests": len(samples),
                "p50_ms": round(statistics.median(samples), 1),
                "p99_ms": round(percentile(samples, 99), 1),
                "statuses": dict(sorted(self.statuses[route].items())),
                **({"first_refusals": self.examples[route]} if self.examples[route] else {}),
            }
            for route, samples in sorted(self.latencies.items())
        }


def main() -> None:
    with fresh_platform() as bench, tempfile.TemporaryDirectory() as tmp, dagster_webserver(bench):
        keys, source = _tenants_with_catalogs(bench, Path(tmp))
        mix = _mix(bench, keys, source)
        noisy = _noisy_tenant(bench, keys)
    write_report(
        "load",
        {
            "api_processes": 2,
            "load_average_at_end": os.getloadavg(),
            "mix": mix,
            "noisy_tenant": noisy,
            "targets": {"5xx": 0, "quiet_p99_ratio_at_most": 1.5, "registrations_missing": 0},
        },
    )


def _tenants_with_catalogs(bench: BenchPlatform, tmp: Path) -> tuple[dict[str, str], str]:
    """The demo tenants registered with their catalogs materialized, plus a noisy free-tier copy of the shop;
    returns each one's project key and the shop's source path."""
    os.environ.update(bench.env)
    get_settings.cache_clear()
    instance = open_instance(bench.settings.resolved_dagster_home)
    tenants = [(t.project_id, t.tier.value, build_demo_database(t, tmp)) for t in DEMO_TENANTS]
    tenants.append(("noisy-shop", "free", tenants[0][2]))
    keys: dict[str, str] = {}
    with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=120) as http:
        for project_id, tier, path in tenants:
            body = {"id": project_id, "name": project_id, "tier": tier,
                    "data_source": {"dialect": "sqlite", "path": str(path)}}  # fmt: skip
            assert http.post("/v1/projects", json=body).status_code == 201
            assets = [defs.get_assets_def(k) for k in CATALOG]
            result = materialize(assets, partition_key=project_id, instance=instance, resources=defs.resources)  # type: ignore[arg-type]
            assert result.success
            issued = http.post(f"/v1/projects/{project_id}/keys", json={"name": "load"})
            assert issued.status_code == 201, issued.text
            keys[project_id] = issued.json()["token"]
    instance.dispose()
    return keys, str(tenants[0][2])


def _mix(bench: BenchPlatform, keys: dict[str, str], source: str) -> dict[str, object]:
    quiet = {p: k for p, k in keys.items() if p != "noisy-shop"}
    recorder = Recorder()
    registered: list[str] = []
    with ExitStack() as stack:
        urls = [stack.enter_context(served_api(bench)) for _ in range(2)]
        stop_at = time.monotonic() + SECONDS

        def client(n: int) -> None:
            rng = random.Random(n)
            routes, weights = zip(*WEIGHTS.items(), strict=True)
            with httpx.Client(timeout=60) as http:
                i = 0
                while time.monotonic() < stop_at and recorder.total() < MAX_REQUESTS:
                    url = urls[i % 2]
                    i += 1
                    route = rng.choices(routes, weights)[0]
                    project_id = rng.choice(sorted(quiet))
                    auth = {"Authorization": f"Bearer {quiet[project_id]}"}
                    if route == "register":
                        new_id = f"load-{n}-{i}"
                        body = {"id": new_id, "name": new_id, "data_source": {"dialect": "sqlite", "path": source}}
                        response = recorder.send(route, http, "POST", f"{url}/v1/projects", json=body,
                                                 headers=bench.admin_headers)  # fmt: skip
                        if response is not None and response.status_code == 201:
                            registered.append(new_id)
                    elif route == "search":
                        body = {"query": rng.choice(SEARCHES)}
                        recorder.send(route, http, "POST", f"{url}/v1/projects/{project_id}/search", json=body,
                                      headers=auth)  # fmt: skip
                    elif route == "ask":
                        body = {"question": rng.choice(QUESTIONS[project_id])}
                        recorder.send(route, http, "POST", f"{url}/v1/projects/{project_id}/ask", json=body,
                                      headers=auth)  # fmt: skip
                    else:
                        recorder.send(route, http, "GET", f"{url}/v1/projects/{project_id}/{route}", headers=auth)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        with httpx.Client(base_url=urls[0], headers=bench.admin_headers, timeout=60) as http:
            missing = [p for p in registered if http.get(f"/v1/projects/{p}").status_code != 200]
    server_errors = sum(n for c in recorder.statuses.values() for status, n in c.items() if status >= 500)
    return {
        "clients": CLIENTS,
        "seconds": round(wall, 1),
        "requests": recorder.total(),
        "throughput_per_s": round(recorder.total() / wall, 1),
        "routes": recorder.summary(),
        "server_errors_5xx": server_errors,
        "transport_errors": dict(recorder.errors),
        "registrations_2xx": len(registered),
        "registrations_missing": len(missing),
    }


def _noisy_tenant(bench: BenchPlatform, keys: dict[str, str]) -> dict[str, object]:
    saved = {name: bench.env[name] for name in DEFAULT_QUOTAS}
    defaults = Settings.model_fields
    bench.env["HUGDATA_QUOTA_SEARCH_PER_MINUTE"] = json.dumps(defaults["quota_search_per_minute"].default)
    bench.env["HUGDATA_QUOTA_ASK_PER_MINUTE"] = json.dumps(defaults["quota_ask_per_minute"].default)
    try:
        with ExitStack() as stack:
            urls = [stack.enter_context(served_api(bench)) for _ in range(2)]
            quiet_alone = _quota_phase(bench, urls, keys, noisy=False)
            with_noisy = _quota_phase(bench, urls, keys, noisy=True)
    finally:
        bench.env.update(saved)
    alone = quiet_alone["quiet"]
    beside = with_noisy["quiet"]
    return {
        "quotas": "defaults (search 60/300/1,200 and ask 20/60/300 a minute for free/standard/enterprise)",
        "seconds_per_phase": QUOTA_SECONDS,
        "noisy_clients": NOISY_CLIENTS,
        "quiet_alone": alone,
        "quiet_beside_noisy": beside,
        "noisy": with_noisy["noisy"],
        "quiet_p99_ratio": round(beside["p99_ms"] / alone["p99_ms"], 2),  # type: ignore[operator]
    }


def _forget_quota_counts(bench: BenchPlatform) -> None:
    """Counts outlive API restarts (they are shared in Postgres): start each phase with fresh minutes."""
    with psycopg.connect(psycopg_dsn(bench.env["HUGDATA_DATABASE_URL"]), autocommit=True) as db:
        db.execute("DELETE FROM quota_usage")


def _quota_phase(
    bench: BenchPlatform, urls: list[str], keys: dict[str, str], *, noisy: bool
) -> dict[str, dict[str, object]]:
    _forget_quota_counts(bench)
    quiet = Recorder()
    loud = Recorder()
    stop_at = time.monotonic() + QUOTA_SECONDS

    def quiet_tenant(project_id: str, n: int) -> None:
        auth = {"Authorization": f"Bearer {keys[project_id]}"}
        rng = random.Random(n)
        next_search = next_ask = time.monotonic() + rng.random()
        with httpx.Client(timeout=60, headers=auth) as http:
            while (now := time.monotonic()) < stop_at:
                if now >= next_search:
                    quiet.send("search", http, "POST", f"{urls[n % 2]}/v1/projects/{project_id}/search",
                               json={"query": rng.choice(SEARCHES)})  # fmt: skip
                    next_search += QUIET_SEARCH_EVERY_S
                elif now >= next_ask:
                    quiet.send("ask", http, "POST", f"{urls[(n + 1) % 2]}/v1/projects/{project_id}/ask",
                               json={"question": rng.choice(QUESTIONS[project_id])})  # fmt: skip
                    next_ask += QUIET_ASK_EVERY_S
                else:
                    time.sleep(min(next_search, next_ask) - now)

    def noisy_tenant(n: int) -> None:
        auth = {"Authorization": f"Bearer {keys['noisy-shop']}"}
        with httpx.Client(timeout=60, headers=auth) as http:
            i = 0
            while time.monotonic() < stop_at and loud.total() < MAX_REQUESTS:
                i += 1
                if i % 2:
                    loud.send("search", http, "POST", f"{urls[i % 2]}/v1/projects/noisy-shop/search",
                              json={"query": "orders"})  # fmt: skip
                else:
                    loud.send("ask", http, "POST", f"{urls[i % 2]}/v1/projects/noisy-shop/ask",
                              json={"question": QUESTIONS["noisy-shop"][i % 7]})  # fmt: skip

    threads = [
        threading.Thread(target=quiet_tenant, args=(p, n)) for n, p in enumerate(sorted(keys)) if p != "noisy-shop"
    ]
    if noisy:
        threads += [threading.Thread(target=noisy_tenant, args=(n,)) for n in range(NOISY_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    samples = [ms for route in quiet.latencies.values() for ms in route]
    quiet_statuses = Counter[int]()
    for c in quiet.statuses.values():
        quiet_statuses.update(c)
    loud_statuses = Counter[int]()
    for c in loud.statuses.values():
        loud_statuses.update(c)
    return {
        "quiet": {
            "requests": len(samples),
            "p50_ms": round(statistics.median(samples), 1),
            "p99_ms": round(percentile(samples, 99), 1),
            "statuses": dict(sorted(quiet_statuses.items())),
            "routes": quiet.summary(),
        },
        "noisy": {
            "requests": loud.total(),
            "per_s": round(loud.total() / QUOTA_SECONDS, 1),
            "statuses": dict(sorted(loud_statuses.items())),
        }
        if noisy
        else {},
    }
