"""Settings of the platform, read from the environment (prefix ``HUGDATA_``)."""

from __future__ import annotations

import json
import os
import secrets
import time
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hugdata.catalog.local_model import DEFAULT_MODEL_CACHE

# Values that show up in copy-pasted examples; refusing them outside development keeps them out of production.
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "password", "admin", "test", "example"})


class Settings(BaseSettings):
    """Everything the API, the Dagster code location and the CLI need to know about their surroundings."""

    model_config = SettingsConfigDict(env_prefix="HUGDATA_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        default="info", description="the platform's log threshold; below info, the API writes no line per request"
    )
    state_dir: Path = Field(default=Path(".hugdata"), description="Local state: embedded Postgres, keys, demo data")
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL of the `hugdata` database; empty = embedded Postgres"
    )
    dagster_database_url: SecretStr | None = Field(
        default=None, description="URL of Dagster's storage (psycopg2 driver); empty = embedded Postgres"
    )
    dagster_home: Path | None = Field(default=None, description="Folder with dagster.yaml; default state_dir/dagster")
    migrations_dir: Path | None = Field(
        default=None, description="Folder with alembic.ini and alembic/; default the source checkout (set in the image)"
    )
    admin_token: SecretStr | None = Field(default=None, description="Bootstrap admin bearer token")
    encryption_keys: SecretStr | None = Field(
        default=None, description="Comma-separated Fernet keys, newest first; older ones still decrypt"
    )
    webhook_url: str | None = Field(default=None, description="receiver for projects without their own URL")
    webhook_secret: SecretStr | None = Field(default=None, description="shared secret of the HMAC signatures")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str | None = Field(
        default=None,
        description="the address browsers reach the API at (https://hugdata.example.com); dashboard links are built "
        "from it, never from a request's Host header; default http://api_host:api_port",
    )
    http_max_header_bytes: int = Field(
        default=32 * 1024, ge=4096, le=1024 * 1024,
        description="a request whose line and headers are longer than this is refused with 400 before it is parsed",
    )  # fmt: skip
    http_header_timeout_s: float = Field(
        default=10.0, gt=0, le=300, description="a connection that has not sent a whole request head by then is closed"
    )
    dagster_port: int = 3000
    embedding_provider: Literal["local", "openai"] = Field(
        default="local", description="local = bundled int8 MiniLM ONNX; openai = any OpenAI-compatible /embeddings"
    )
    embedding_base_url: str | None = None
    model_cache_dir: Path = Field(
        default=DEFAULT_MODEL_CACHE, description="Where the local model's run-time int8 file is built on first use"
    )
    embedding_model: str = "text-embedding-3-small"
    embedding_dimensions: int = Field(default=1536, ge=8, le=16000)
    embedding_api_key: SecretStr | None = None
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint that writes SQL for /ask")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    ask_max_tries: int = Field(default=3, ge=1, le=10, description="LLM answers tried per question before giving up")
    ask_token_budget: int = Field(default=3000, ge=200, le=200_000, description="prompt size limit, in tokens")
    ask_max_result_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024, description="an answer's rows are cut at this size"
    )
    ask_max_memory: int = Field(
        default=64 * 1024 * 1024, ge=4 * 1024 * 1024, le=4 * 1024 * 1024 * 1024,
        description="bytes one ask may add to the memory of the process running it (a SQLite ask's worker process "
        "is capped at this; PostgreSQL and MariaDB send no more than a quarter of it)",
    )  # fmt: skip
    ask_workers: int = Field(default=8, ge=1, le=256, description="threads that run asks, apart from other routes")
    ask_concurrency_per_project: int = Field(
        default=2, ge=1, le=64, description="asks of one project running at once; more are answered 429"
    )
    ask_queue: int = Field(default=16, ge=0, le=10_000, description="asks that may wait for a free ask thread")
    dashboard_dir: Path | None = Field(
        default=None, description="the built dashboard (web/dist) the API serves at /app/; default the checkout's"
    )
    dashboard_link_ttl: timedelta = Field(
        default=timedelta(minutes=15), description="how long a minted dashboard link can be opened (once)"
    )
    dashboard_session_lifetime: timedelta = Field(
        default=timedelta(hours=8), description="how long a dashboard sign-in lasts before the tenant signs in again"
    )
    events_streams_per_project: int = Field(
        default=5, ge=1, le=1000, description="open event streams one project may hold on each API process"
    )
    events_heartbeat_s: float = Field(default=15.0, gt=0, le=300, description="seconds between a stream's heartbeats")
    events_stream_max_s: float = Field(
        default=300.0, gt=0, le=86_400,
        description="a stream ends after this long and the client resumes with Last-Event-ID (spreads streams over "
        "replicas and bounds a graceful shutdown)",
    )  # fmt: skip
    max_request_bytes: int = Field(
        default=1_048_576, ge=1024, description="request bodies larger than this are refused with 413"
    )
    source_connect_timeout_s: int = Field(default=10, ge=1, le=120)
    source_statement_timeout_s: int = Field(default=30, ge=1, le=3600)
    dagster_graphql_url: str | None = Field(
        default=None, description="Dagster webserver's GraphQL endpoint; default http://api_host:dagster_port/graphql"
    )
    schedules_enabled: bool = Field(default=True, description="schedules start switched on (nightly schema sync)")
    runs_max_concurrent: int = Field(default=4, ge=1, le=1000, description="runs executing at once, all projects")
    automation_batch_size: int = Field(
        default=50,
        ge=1,
        le=500,
        description="projects per run of the nightly sync, hourly analytics and schema-change syncs; 1 = a run each",
    )
    onboarding_batch_size: int = Field(
        default=50, ge=1, le=500, description="new projects that share one first run; 1 = a run per project"
    )
    share_embeddings: bool = Field(
        default=True,
        description="a text any project already has a vector for is copied, not embedded again; false keeps every "
        "tenant's vectors computed from its own documents only",
    )
    run_tier_resources: dict[Literal["free", "standard", "enterprise"], dict[str, dict[str, str]]] | None = Field(
        default=None, description="JSON: container requests/limits of runs on Kubernetes per tier; empty = built-in"
    )
    run_namespace_prefix: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,30})?$",
        description="on Kubernetes, each project's runs go to namespace <prefix><project>; empty = one run namespace",
    )
    runs_per_project: int = Field(default=1, ge=1, le=100, description="runs executing at once for one project")
    run_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="new runs for a run whose worker crashed or never started (not a step's "
        "failure: steps have their own retry policies)",
    )
    run_launch_retries: int = Field(
        default=5, ge=0, le=100, description="times a queued run whose code server did not answer is put back in line"
    )
    run_launch_retry_delay_s: int = Field(
        default=30, ge=1, le=3600, description="seconds before such a run is tried again"
    )
    run_dequeue_workers: int = Field(default=4, ge=1, le=64, description="threads launching queued runs")
    run_dequeue_interval_s: int = Field(
        default=1,
        ge=1,
        le=60,
        description="how often the daemon looks at the run queue (Dagster's default is 5 s, which a new tenant "
        "waits through before its first run launches); one indexed query a look, whatever the number of tenants",
    )
    run_status_sensor_limit: int = Field(
        default=100, ge=5, le=10_000, description="run events each webhook sensor handles per tick (Dagster: 5)"
    )
    answer_cache_ttl: timedelta = Field(
        default=timedelta(minutes=10),
        description="how long a repeated question is answered from memory (seconds or ISO 8601; 0 = never)",
    )
    thread_retention: timedelta = Field(
        default=timedelta(days=90),
        description="how long a conversation thread is kept after its last turn (seconds or ISO 8601)",
    )
    thread_max_turns: int = Field(default=50, ge=1, le=1000, description="turns one conversation thread may hold")
    quota_search_per_minute: dict[Literal["free", "standard", "enterprise"], int] = Field(
        default={"free": 60, "standard": 300, "enterprise": 1200},
        description="JSON: searches a project key may make per minute, by tier (admin calls are not counted)",
    )
    quota_ask_per_minute: dict[Literal["free", "standard", "enterprise"], int] = Field(
        default={"free": 20, "standard": 60, "enterprise": 300},
        description="JSON: asks a project key may make per minute, by tier",
    )
    quota_llm_tokens_per_day: dict[Literal["free", "standard", "enterprise"], int] = Field(
        default={"free": 50_000, "standard": 500_000, "enterprise": 5_000_000},
        description="JSON: LLM tokens a project's asks may spend per UTC day, by tier; past it the offline planner "
        "answers what it can",
    )
    tracing_enabled: bool = Field(default=False, description="export OpenTelemetry spans of API requests")
    tracing_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces endpoint; default the exporter's (OTEL_EXPORTER_OTLP_ENDPOINT)"
    )
    tracing_service_name: str = "hugdata-api"
    tracing_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0, description="share of new traces kept")
    metrics_token: SecretStr | None = Field(
        default=None, description="bearer token Prometheus scrapes /metrics with (the admin token works too)"
    )
    paraphrase_reuse: bool = Field(
        default=True,
        description="a question very close to a past successful one of the project (same numbers, dates, limits, "
        "comparisons and values) reuses its SQL, validated again and run fresh",
    )
    catalog_max_age: timedelta = Field(
        default=timedelta(hours=36),
        description="a catalog asset older than this is stale (seconds or an ISO 8601 duration; a missed nightly "
        "sync shows)",
    )
    run_retention_days: int = Field(
        default=14,
        ge=1,
        le=3650,
        description="finished runs older than this are deleted, except those holding a "
        "partition's latest materialization; delivered webhooks too",
    )
    schema_probe_interval_s: int = Field(
        default=3600, ge=60, le=7 * 86400, description="every tenant's schema is probed for changes this often"
    )
    schema_probe_workers: int = Field(default=8, ge=1, le=256, description="schema probes run at once")
    tick_retention_days: int = Field(
        default=7, ge=1, le=365, description="schedule and sensor ticks are kept this long"
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_connect_timeout_s: int = Field(default=5, ge=1, le=60)

    @field_validator("answer_cache_ttl", "catalog_max_age", "dashboard_link_ttl", "dashboard_session_lifetime",
                     "thread_retention", mode="before")  # fmt: skip
    @classmethod
    def _seconds_as_duration(cls, value: object) -> object:
        # Environment values arrive as text; "600" means seconds, as the README says.
        if isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
            return float(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _an_http_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
            raise ValueError("HUGDATA_PUBLIC_URL must be an http(s) address such as https://hugdata.example.com")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _answers_fit_the_ask_memory(self) -> Settings:
        if self.ask_max_result_bytes * 4 > self.ask_max_memory:
            raise ValueError(
                "HUGDATA_ASK_MAX_RESULT_BYTES may be at most a quarter of HUGDATA_ASK_MAX_MEMORY (an answer is held as "
                "rows, as objects and as JSON at once)"
            )
        return self

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        missing = [name for name in ("database_url", "dagster_database_url") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"production needs HUGDATA_{', HUGDATA_'.join(m.upper() for m in missing)}")
        # Each process gets only the secrets it reads (the API all of them, a run pod the encryption keys): the ones
        # it has must not be placeholders; the API checks that it has its own (missing_api_secrets).
        for name in ("admin_token", "encryption_keys"):
            secret = getattr(self, name)
            value = secret.get_secret_value() if secret is not None else None
            if value is not None and (value.lower() in PLACEHOLDER_SECRETS or len(value) < 24):
                raise ValueError(f"HUGDATA_{name.upper()} is a placeholder or too short for production")
        return self

    def missing_api_secrets(self) -> list[str]:
        """The variables the API cannot serve without in production (empty in development, where they are generated)."""
        if self.environment != "production":
            return []
        return [f"HUGDATA_{name.upper()}" for name in ("admin_token", "encryption_keys") if getattr(self, name) is None]

    @property
    def resolved_state_dir(self) -> Path:
        """The state folder as an absolute path (created on demand)."""
        path = self.state_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def resolved_dagster_home(self) -> Path:
        """The folder that holds dagster.yaml."""
        if self.dagster_home is not None:
            return self.dagster_home.expanduser().resolve()
        return self.resolved_state_dir / "dagster"

    @property
    def uses_embedded_postgres(self) -> bool:
        """True when the platform's own Postgres is the embedded one under the state folder."""
        return self.database_url is None or self.dagster_database_url is None

    @property
    def resolved_public_url(self) -> str:
        """Where browsers reach the API: the configured public URL, else the local listening address."""
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def resolved_dagster_graphql_url(self) -> str:
        """Where the API reaches Dagster's GraphQL API."""
        return self.dagster_graphql_url or f"http://{self.api_host}:{self.dagster_port}/graphql"

    def fernet_keys(self) -> list[str]:
        """The encryption keys, newest first."""
        if self.encryption_keys is None:
            raise RuntimeError("no encryption keys configured (HUGDATA_ENCRYPTION_KEYS)")
        return [k.strip() for k in self.encryption_keys.get_secret_value().split(",") if k.strip()]


def with_local_secrets(settings: Settings) -> Settings:
    """Fill missing secrets in development from the state folder, generating them on first use."""
    if settings.environment == "production" or (
        settings.admin_token and settings.encryption_keys and settings.webhook_secret
    ):
        return settings
    stored = _load_or_create_local_secrets(settings.resolved_state_dir / "secrets.json")
    return settings.model_copy(
        update={
            "admin_token": settings.admin_token or SecretStr(stored["admin_token"]),
            "encryption_keys": settings.encryption_keys or SecretStr(stored["encryption_keys"]),
            "webhook_secret": settings.webhook_secret or SecretStr(stored["webhook_secret"]),
        }
    )


def _load_or_create_local_secrets(path: Path) -> dict[str, str]:
    generated = {
        "admin_token": "hd_admin_" + secrets.token_urlsafe(32),
        "encryption_keys": Fernet.generate_key().decode(),
        "webhook_secret": secrets.token_urlsafe(32),
    }
    try:
        # Owner-only permissions from the first byte; O_EXCL makes concurrent first starts agree on one file.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            text = path.read_text()
            if text:
                stored = dict(json.loads(text))
                # State folders from before webhooks existed get their secret added once.
                if "webhook_secret" not in stored:
                    stored["webhook_secret"] = secrets.token_urlsafe(32)
                    path.write_text(json.dumps(stored))
                return stored
            time.sleep(0.02)
        raise RuntimeError(f"{path} exists but is empty; delete it to generate new local secrets") from None
    with os.fdopen(fd, "w") as handle:
        json.dump(generated, handle)
    return generated


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, with local secrets filled in for development."""
    return with_local_secrets(Settings())
