"""The tenant catalog assets, materialized per project partition on a real Dagster instance."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import AssetKey, AssetRecordsFilter, DagsterEventType, DagsterInstance, materialize
from sqlalchemy import text

from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.platform.assets import database_schema, schema_vector_index, semantic_model
from hugdata.platform.instance import open_instance
from hugdata.platform.resources import EmbeddingModelResource, PlatformDatabaseResource, TenantDatabaseResource
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import own_steps, register
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database, machine_postgres_database

ASSETS = [database_schema, semantic_model, schema_vector_index]
RESOURCES = {
    "platform_db": PlatformDatabaseResource(),
    "tenant_db": TenantDatabaseResource(),
    "embeddings": EmbeddingModelResource(),
}


@pytest.fixture
def instance(settings: Settings) -> Iterator[DagsterInstance]:
    opened = open_instance(settings.resolved_dagster_home)
    yield opened
    opened.dispose()


def run(instance: DagsterInstance, project_id: str, assets: list | None = None):  # type: ignore[no-untyped-def]
    return materialize(
        assets or ASSETS, partition_key=project_id, instance=instance, resources=RESOURCES, raise_on_error=False
    )


def metadata(result, asset: str) -> dict:  # type: ignore[no-untyped-def]
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.path == [asset])
    return {k: v.value for k, v in event.materialization.metadata.items()}


def checks(result) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    }


@pytest.fixture
def shop(tmp_path: Path) -> DataSourceSpec:
    path = build_demo_database(DEMO_TENANTS[0], tmp_path)
    return DataSourceSpec(dialect=Dialect.sqlite, path=str(path))


def test_first_run_builds_schema_semantic_model_and_index(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec
) -> None:
    register(clean_platform, "shop", shop)
    result = run(instance, "shop")
    assert result.success
    schema = metadata(result, "database_schema")
    assert schema["schema_version"] == 1 and schema["new_version"] is True and schema["tables"] == 6
    assert "main.orders" in schema["tables_added"]
    model = metadata(result, "semantic_model")
    assert model["relationships_declared"] >= 6 and model["entities"] == 6
    index = metadata(result, "schema_vector_index")
    assert index["embedded"] == index["documents"] > 6 + schema["columns"] and index["reused"] == 0
    assert checks(result) == {
        "relationships_point_at_existing_columns": True,
        "every_table_and_column_has_a_document": True,
        "vectors_have_the_model_dimension": True,
    }


def test_a_partitions_schema_is_table_schema_metadata_an_operator_sees_in_dagster(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec
) -> None:
    register(clean_platform, "shop-ui", shop)
    result = run(instance, "shop-ui", [ASSETS[0]])
    assert result.success
    schema = metadata(result, "database_schema")
    columns = {c.name: c for c in schema["dagster/column_schema"].columns}
    assert len(columns) == schema["columns"] and "orders.customer_id" in columns
    assert "INT" in columns["orders.id"].type.upper()  # the source's own type name
    tables = {r.data["table"]: r.data for r in schema["tables_in_source"].records}
    assert len(tables) == schema["tables"] == 6
    assert tables["main.orders"]["foreign_keys"] >= 1 and tables["main.orders"]["primary_key"] == "id"
    stored = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=ASSETS[0].key, asset_partitions=["shop-ui"]), limit=1
    ).records[0]
    assert "dagster/column_schema" in stored.asset_materialization.metadata  # what the UI reads back


def test_every_tenant_asset_declares_its_kinds_and_owners() -> None:
    from hugdata.platform.definitions import defs

    for name in ("database_schema", "semantic_model", "schema_vector_index", "usage_analytics",
                 "query_history_index", "model_accuracy", "query_optimization_report"):  # fmt: skip
        spec = defs.get_assets_def(name).specs_by_key[AssetKey(name)]
        assert spec.kinds and spec.owners == ["team:hugdata-platform"], name


def test_rerun_of_an_unchanged_tenant_embeds_nothing(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec
) -> None:
    register(clean_platform, "shop", shop)
    first = run(instance, "shop")
    again = run(instance, "shop")
    assert again.success
    assert metadata(again, "database_schema")["new_version"] is False
    assert metadata(again, "database_schema")["schema_version"] == 1
    index = metadata(again, "schema_vector_index")
    assert (index["embedded"], index["deleted"]) == (0, 0)
    assert index["reused"] == metadata(first, "schema_vector_index")["documents"]


def test_a_second_tenant_with_the_same_schema_copies_vectors_instead_of_embedding(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec
) -> None:
    register(clean_platform, "shop", shop)
    register(clean_platform, "shop-twin", shop)
    first = metadata(run(instance, "shop"), "schema_vector_index")
    twin = metadata(run(instance, "shop-twin"), "schema_vector_index")
    assert first["copied"] == 0 and first["embedded"] == first["documents"]
    assert (twin["embedded"], twin["copied"]) == (0, first["documents"])
    with clean_platform.engine.connect() as conn:
        differing = conn.execute(
            text(
                "SELECT count(*) FROM schema_documents a JOIN schema_documents b USING (doc_key) "
                "WHERE a.project_id = 'shop' AND b.project_id = 'shop-twin' AND a.embedding <> b.embedding"
            )
        ).scalar()
    assert differing == 0


def test_schema_change_makes_a_new_version_and_embeds_only_what_changed(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec
) -> None:
    register(clean_platform, "shop", shop)
    documents = metadata(run(instance, "shop"), "schema_vector_index")["documents"]
    with sqlite3.connect(str(shop.path)) as db:
        db.execute("ALTER TABLE customers ADD COLUMN loyalty_points INTEGER")
        db.execute("DROP TABLE product_reviews")
    result = run(instance, "shop")
    schema = metadata(result, "database_schema")
    assert schema["schema_version"] == 2
    assert schema["columns_added"] == ["main.customers.loyalty_points"]
    assert schema["tables_removed"] == ["main.product_reviews"]
    index = metadata(result, "schema_vector_index")
    assert 0 < index["embedded"] < documents / 2
    assert index["deleted"] > 0


def test_unreachable_source_fails_only_its_own_partition(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec, tmp_path: Path
) -> None:
    register(clean_platform, "good", shop)
    register(clean_platform, "gone", DataSourceSpec(dialect=Dialect.sqlite, path=str(tmp_path / "missing.sqlite")))
    bad = run(instance, "gone", [database_schema])
    assert not bad.success
    failure = next(e for e in bad.all_events if e.event_type == DagsterEventType.STEP_FAILURE)
    message = failure.event_specific_data.error.message
    assert "project gone" in message and "unable to open database file" in message
    assert run(instance, "good").success


def test_bad_credentials_fail_at_once_without_revealing_the_password(
    clean_platform: ApiRuntime, instance: DagsterInstance
) -> None:
    with machine_mariadb_database(["CREATE TABLE t (id INT PRIMARY KEY)"], user_password="right-pw-1") as database:
        register(
            clean_platform,
            "maria",
            DataSourceSpec(
                dialect=Dialect.mariadb,
                host=MACHINE_MARIADB["host"],
                port=MACHINE_MARIADB["port"],
                database=database,
                username=database,
                password="wrong-canary-pw-77",
            ),
        )
        result = run(instance, "maria", [database_schema])
    assert not result.success
    events = [e for e in instance.all_logs(result.run_id)]
    assert not any(e.dagster_event and e.dagster_event.event_type == DagsterEventType.STEP_UP_FOR_RETRY for e in events)
    text = " ".join(str(e) for e in events) + str(instance.get_run_by_id(result.run_id))
    assert "project maria" in text and "Access denied" in text
    assert "wrong-canary-pw-77" not in text


def test_transient_source_errors_are_retried(clean_platform: ApiRuntime, instance: DagsterInstance) -> None:
    # Nothing listens on port 1: "connection refused" may pass (a restarting server), so the step is retried.
    register(
        clean_platform,
        "flaky",
        DataSourceSpec(dialect=Dialect.postgresql, host="127.0.0.1", port=1, database="x", username="u", password="p"),
    )
    result = run(instance, "flaky", [database_schema])
    assert not result.success
    retries = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 2


def test_postgres_tenant_end_to_end(clean_platform: ApiRuntime, instance: DagsterInstance) -> None:
    ddl = (
        "CREATE TABLE customers (id int PRIMARY KEY, name text);"
        "CREATE TABLE invoices (id int PRIMARY KEY, customer_id int, amount numeric, issued_on date);"
    )
    with machine_postgres_database(ddl) as database:
        register(
            clean_platform,
            "pg-tenant",
            DataSourceSpec(
                dialect=Dialect.postgresql,
                host=MACHINE_PG["host"],
                port=MACHINE_PG["port"],
                database=database,
                username=MACHINE_PG["user"],
                password="unused",
            ),
        )
        result = run(instance, "pg-tenant")
    assert result.success
    assert metadata(result, "semantic_model")["relationships_inferred"] == 1


def test_postgres_schema_patterns_from_the_registration_are_applied(
    clean_platform: ApiRuntime, instance: DagsterInstance
) -> None:
    ddl = "CREATE SCHEMA sales; CREATE SCHEMA scratch; CREATE TABLE sales.a (id int); CREATE TABLE scratch.b (id int);"
    with machine_postgres_database(ddl) as database:
        register(
            clean_platform,
            "patterns",
            DataSourceSpec(
                dialect=Dialect.postgresql,
                host=MACHINE_PG["host"],
                port=MACHINE_PG["port"],
                database=database,
                username=MACHINE_PG["user"],
                options={"schemas_exclude": ["scratch", "public"]},
            ),
        )
        result = run(instance, "patterns", [database_schema])
    assert result.success
    assert metadata(result, "database_schema")["tables_added"] == ["sales.a"]


def test_asset_states_follow_materializations_and_failures(
    clean_platform: ApiRuntime, instance: DagsterInstance, shop: DataSourceSpec, tmp_path: Path
) -> None:
    from dagster import build_run_status_sensor_context

    from hugdata.platform.definitions import defs
    from hugdata.platform.sensors import asset_failure_sensor
    from hugdata.tenants.asset_states import project_asset_states

    register(clean_platform, "shop", shop)
    ok = run(instance, "shop")
    with clean_platform.sessions() as session:
        states = {s.asset: s for s in project_asset_states(session, "shop")}
    assert set(states) == {"database_schema", "semantic_model", "schema_vector_index"}
    assert all(s.status == "materialized" and s.last_run_id == ok.run_id for s in states.values())
    assert own_steps(clean_platform, ok.run_id, "shop") == [(a.key.path[0], "SUCCESS", None) for a in ASSETS]

    Path(str(shop.path)).unlink()  # the source disappears: the next schema_sync run fails at its first asset
    job = defs.resolve_job_def("schema_sync")
    failed = job.execute_in_process(partition_key="shop", instance=instance, raise_on_error=False)
    assert not failed.success
    [(asset, status, cause)] = own_steps(clean_platform, failed.run_id, "shop")
    assert (asset, status) == ("database_schema", "FAILURE") and cause and "shop" in cause
    failure_event = next(e for e in failed.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
    with build_run_status_sensor_context(
        sensor_name="asset_failure_sensor",
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        dagster_event=failure_event,
        resources={"platform_db": PlatformDatabaseResource()},
    ) as context:
        asset_failure_sensor(context.for_run_failure())
    with clean_platform.sessions() as session:
        states = {s.asset: s for s in project_asset_states(session, "shop")}
    assert all(s.status == "failed" and s.last_run_id == failed.run_id for s in states.values())
    assert all(s.last_materialized_at is not None for s in states.values())  # the last good one is kept
