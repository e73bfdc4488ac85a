"""What the API process holds for its lifetime: settings, database engine, Dagster partitions, vault."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, NullPool, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from hugdata.api.ask_slots import AskSlots
from hugdata.api.dagster_runs import DagsterRuns
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.config import Settings
from hugdata.db import make_engine, make_read_engine, make_session_factory, resolve_platform_databases
from hugdata.observability.tracing import trace_statements
from hugdata.platform.instance import open_instance, prepare_dagster_home
from hugdata.platform.partitions import DagsterPartitionStore
from hugdata.tenants.partitions import PartitionStore
from hugdata.tenants.reconcile import reconcile_partitions
from hugdata.tenants.row_security import TENANT_ROLE
from hugdata.tenants.vault import CredentialVault
from hugdata.webhooks.delivery import WebhookDispatcher

log = logging.getLogger(__name__)


@dataclass
class ApiRuntime:
    settings: Settings
    engine: Engine
    reads: Engine
    sessions: sessionmaker[Session]
    partitions: PartitionStore
    vault: CredentialVault
    dagster_probe: Engine
    # Quota counters: single-statement upserts in autocommit, without waiting for the WAL flush.
    counters: Engine
    dagster_runs: DagsterRuns
    asks: AskSlots
    # The quotas' clock; tests move it to see a day's LLM budget come back.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def close(self) -> None:
        self.asks.close()
        self.engine.dispose()
        self.reads.dispose()
        self.dagster_probe.dispose()
        self.counters.dispose()
        self.dagster_runs.close()


def build_runtime(settings: Settings) -> ApiRuntime:
    """Connect to the platform databases and the Dagster instance described by ``settings``."""
    if missing := settings.missing_api_secrets():
        raise RuntimeError(f"the API needs {', '.join(missing)} in production")
    databases = resolve_platform_databases(settings)
    engine = make_engine(
        databases.hugdata_url, pool_size=settings.db_pool_size, connect_timeout_s=settings.db_connect_timeout_s
    )
    instance = open_instance(prepare_dagster_home(settings, databases.dagster_url))
    # Dagster's storage opens a new connection per call unless told it lives in a long-running server; the API is
    # one, so it keeps a small pool as the webserver does (each add_dynamic_partitions otherwise costs 2 connects).
    instance.optimize_for_webserver(statement_timeout=10_000, pool_recycle=3600, max_overflow=settings.db_pool_size)
    # A pool-less engine only for readiness: it opens one short connection per probe with a tight timeout.
    probe = create_engine(databases.dagster_url, poolclass=NullPool, connect_args={"connect_timeout": 2})
    runtime = ApiRuntime(
        settings=settings,
        engine=engine,
        # Tenant-scoped search reads run as the non-owner role, under row-level security.
        reads=make_read_engine(
            databases.hugdata_url,
            pool_size=settings.db_pool_size,
            connect_timeout_s=settings.db_connect_timeout_s,
            role=TENANT_ROLE,
        ),
        sessions=make_session_factory(engine),
        # A crash of the database may lose a counter's last few increments; waiting for the flush on every request
        # would be most of the quota check's time.
        counters=make_read_engine(
            databases.hugdata_url,
            pool_size=settings.db_pool_size,
            connect_timeout_s=settings.db_connect_timeout_s,
            server_settings={"synchronous_commit": "off"},
        ),
        partitions=DagsterPartitionStore(instance),
        vault=CredentialVault(settings.fernet_keys()),
        dagster_probe=probe,
        dagster_runs=DagsterRuns(settings.resolved_dagster_graphql_url),
        asks=AskSlots(
            workers=settings.ask_workers, per_project=settings.ask_concurrency_per_project, queue=settings.ask_queue
        ),
    )
    for engine in (runtime.engine, runtime.reads, runtime.counters):
        trace_statements(engine)  # no-ops unless tracing is on
    return runtime


def listen_conninfo(runtime: ApiRuntime) -> str:
    """A libpq URL for the event listener's own connection to the platform database (never logged)."""
    return runtime.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def reconcile_on_startup(runtime: ApiRuntime) -> None:
    """Repair registry/partition drift; a failure is logged, not fatal, and /readyz reports the cause."""
    try:
        with runtime.sessions() as session:
            report = reconcile_partitions(session, partitions=runtime.partitions)
        if report.added or report.removed:
            log.warning(
                "start-up reconciliation added %d partition(s) %s, removed %d %s",
                len(report.added),
                _sample(report.added),
                len(report.removed),
                _sample(report.removed),
            )
    except Exception as exc:
        log.error("start-up reconciliation failed: %s", type(exc).__name__)


def warm_up(runtime: ApiRuntime) -> None:
    """Load the embedding model now rather than in the first search; a failure is logged, and searches report it."""
    try:
        embedder = embedder_for(runtime.settings)
        load = getattr(embedder, "load", None)  # the local model; a remote endpoint has nothing to load
        if load is not None:
            load()
    except Exception as exc:
        log.error("embedding model warm-up failed: %s", type(exc).__name__)


def _sample(project_ids: list[str], shown: int = 10) -> str:
    # A registry bulk-loaded behind the API's back can differ by thousands of projects: one readable log line.
    more = f" and {len(project_ids) - shown} more" if len(project_ids) > shown else ""
    return f"{project_ids[:shown]}{more}"


def check_readiness(runtime: ApiRuntime) -> dict[str, str]:
    """``{check: "ok" | reason}`` for the platform database and Dagster's storage."""
    checks: dict[str, str] = {}
    for name, engine in (("database", runtime.engine), ("dagster_storage", runtime.dagster_probe)):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks[name] = "ok"
        except Exception as exc:
            # The exception text may carry a host or user name; the class name is enough to act on.
            checks[name] = f"unreachable ({type(exc).__name__})"
    return checks


def start_webhook_dispatcher(runtime: ApiRuntime) -> WebhookDispatcher | None:
    """Drain the webhook outbox in the background; without a signing secret no webhook is sent."""
    secret = runtime.settings.webhook_secret
    if secret is None:
        log.warning("HUGDATA_WEBHOOK_SECRET is not set: run status webhooks stay in the outbox")
        return None
    dispatcher = WebhookDispatcher(
        runtime.sessions, secret=secret.get_secret_value(), default_url=runtime.settings.webhook_url
    )
    dispatcher.start()
    return dispatcher
