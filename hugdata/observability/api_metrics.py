"""The API's Prometheus metrics, on a registry of the API's own (prometheus-client writes the exposition).

Labels are route templates (`/v1/projects/{project_id}/ask`), methods, status classes, tiers and outcome names: all
bounded sets. A project ID is never a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter(
    "hugdata_api_requests_total", "HTTP requests answered", ["route", "method", "status_class"], registry=REGISTRY
)
REQUEST_SECONDS = Histogram(
    "hugdata_api_request_duration_seconds",
    "time to answer an HTTP request",
    ["route", "method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
IN_FLIGHT = Gauge("hugdata_api_requests_in_flight", "HTTP requests being answered", registry=REGISTRY)
AUTH_FAILURES = Counter(
    "hugdata_api_auth_failures_total",
    "requests refused for their credentials: missing, invalid (unknown or revoked), forbidden (not admin)",
    ["reason"],
    registry=REGISTRY,
)
CLIENT_ERRORS = Counter(
    "hugdata_api_client_errors_total",
    "4xx answers by reason class",
    ["route", "reason"],
    registry=REGISTRY,
)
ASKS = Counter(
    "hugdata_ask_outcomes_total",
    "asks by outcome: llm, offline_planner, memory, past_question (answered); declined, refused, failed",
    ["tier", "outcome"],
    registry=REGISTRY,
)
ASK_SECONDS = Histogram(
    "hugdata_ask_duration_seconds", "time to answer an ask", ["tier", "outcome"], buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)  # fmt: skip
LLM_TOKENS = Counter("hugdata_llm_tokens_total", "LLM tokens spent on asks", ["tier"], registry=REGISTRY)
SEARCH_SECONDS = Histogram(
    "hugdata_search_duration_seconds",
    "semantic search time by part: embed (the query's embedding) and database (the vector query)",
    ["part"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
QUOTA_USE = Counter(
    "hugdata_quota_use_total",
    "what project keys counted against their quotas, by tier and bucket (requests, or LLM tokens)",
    ["tier", "bucket"],
    registry=REGISTRY,
)
QUOTA_REFUSALS = Counter(
    "hugdata_quota_refusals_total",
    "requests refused (429) for a tenant quota, by tier and bucket: search, ask, llm_tokens",
    ["tier", "bucket"],
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "hugdata_webhook_delivery_attempts_total",
    "webhook delivery attempts by result: delivered, failed",
    ["result"],
    registry=REGISTRY,
)

# 4xx status -> reason class; anything else is "other".
_REASONS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
            413: "too_large", 422: "invalid", 429: "rate_limited"}  # fmt: skip


def client_error_reason(status: int) -> str:
    return _REASONS.get(status, "other")


def status_class(status: int) -> str:
    return f"{status // 100}xx"
