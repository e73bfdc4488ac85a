"""SQL for a tenant is validated with sqlglot against its semantic model; attacks never reach the database."""

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.query.execute import run_read_query
from hugdata.query.validation import QueryRejected, RejectionReason, validate_query
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine

# Writes, DDL, stacked statements, file/network/sleep functions, locks, settings and comment tricks: none may run.
ATTACKS = [
    "DELETE FROM main.orders",
    "UPDATE main.customers SET email = 'x'",
    "INSERT INTO main.categories (id, name) VALUES (999, 'x')",
    "DROP TABLE main.orders",
    "CREATE TABLE main.evil (id INTEGER)",
    "ALTER TABLE main.orders ADD COLUMN evil TEXT",
    "SELECT * FROM main.orders; DELETE FROM main.orders",
    "SELECT 1; DROP TABLE main.customers",
    "SELECT * FROM main.orders;DROP TABLE main.orders--",
    "WITH gone AS (DELETE FROM main.orders RETURNING id) SELECT * FROM gone",
    "SELECT * INTO evil_copy FROM main.orders",
    "SELECT * FROM main.orders INTO OUTFILE '/tmp/orders.csv'",
    "SELECT * FROM main.orders FOR UPDATE",
    "SELECT pg_sleep(10)",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_ls_dir('.')",
    "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a INT)",
    "SELECT lo_import('/etc/passwd')",
    "SELECT LOAD_FILE('/etc/passwd')",
    "SELECT SLEEP(10)",
    "SELECT BENCHMARK(100000000, MD5('x'))",
    "SELECT current_setting('data_directory')",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT pg_terminate_backend(1)",
    "COPY main.orders TO '/tmp/orders.csv'",
    "PRAGMA writable_schema = 1",
    "ATTACH DATABASE '/tmp/evil.db' AS evil",
    "SET default_transaction_read_only = off",
    "TRUNCATE TABLE main.orders",
    "SELECT * FROM main.orders /* ; DROP TABLE main.orders */ ; DELETE FROM main.orders",
    "SELECT * FROM sqlite_master",
    "SELECT * FROM information_schema.tables",
    "SELECT password FROM main.customers",
    "SELECT * FROM main.orders WHERE id = 1 UNION SELECT * FROM pg_catalog.pg_authid",
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, SemanticModel, Path]:
    path = build_demo_database(DEMO_TENANTS[0], tmp_path_factory.mktemp("shop"))
    engine = open_source_engine(DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    model = build_semantic_model(introspect_schema(engine, dialect="sqlite"))
    return engine, model, path


def _checksum(path: Path) -> str:
    with sqlite3.connect(path) as db:
        dump = "\n".join(db.iterdump())
    return hashlib.sha256(dump.encode() + path.read_bytes()).hexdigest()


def test_attack_corpus_is_large_enough() -> None:
    assert len(ATTACKS) >= 30


@pytest.mark.parametrize("sql", ATTACKS)
def test_attack_is_rejected_and_the_tenant_database_is_unchanged(
    shop: tuple[Engine, SemanticModel, Path], sql: str
) -> None:
    engine, model, path = shop
    before = _checksum(path)
    with pytest.raises(QueryRejected):
        run_read_query(engine, sql, dialect=Dialect.sqlite, model=model, max_rows=100)
    assert _checksum(path) == before


def test_a_plain_question_runs_and_gets_a_row_limit(shop: tuple[Engine, SemanticModel, Path]) -> None:
    engine, model, _ = shop
    result = run_read_query(
        engine,
        "SELECT c.country_code, count(*) AS orders FROM main.orders o JOIN main.customers c ON c.id = o.customer_id "
        "GROUP BY c.country_code ORDER BY orders DESC",
        dialect=Dialect.sqlite,
        model=model,
        max_rows=3,
    )
    assert result.columns == ["country_code", "orders"]
    assert 0 < len(result.rows) <= 3 and "LIMIT 3" in result.sql


def test_an_existing_smaller_limit_is_kept_and_a_larger_one_capped(shop: tuple[Engine, SemanticModel, Path]) -> None:
    _, model, _ = shop
    kept = validate_query("SELECT id FROM orders LIMIT 5", dialect=Dialect.sqlite, model=model, max_rows=100)
    assert kept.sql.endswith("LIMIT 5") and not kept.limit_added
    capped = validate_query("SELECT id FROM orders LIMIT 5000", dialect=Dialect.sqlite, model=model, max_rows=100)
    assert capped.sql.endswith("LIMIT 100") and capped.limit_added
    union = validate_query(
        "SELECT id FROM orders UNION SELECT id FROM customers", dialect=Dialect.sqlite, model=model, max_rows=10
    )
    assert union.limit_added and union.sql.endswith("LIMIT 10") and union.tables == ["main.customers", "main.orders"]


def test_ctes_and_select_aliases_are_understood(shop: tuple[Engine, SemanticModel, Path]) -> None:
    engine, model, _ = shop
    result = run_read_query(
        engine,
        "WITH spend AS (SELECT customer_id, SUM(total_amount) AS total FROM orders GROUP BY customer_id) "
        "SELECT customer_id, total FROM spend ORDER BY total DESC",
        dialect=Dialect.sqlite,
        model=model,
        max_rows=5,
    )
    assert result.columns == ["customer_id", "total"] and len(result.rows) == 5


@pytest.mark.parametrize(
    ("sql", "reason", "named"),
    [
        ("SELECT * FROM main.invoices", RejectionReason.unknown_table, "main.invoices"),
        ("SELECT o.nope FROM main.orders o", RejectionReason.unknown_column, "o.nope"),
        ("SELECT nope FROM main.orders", RejectionReason.unknown_column, "nope"),
        ("SELEC * FROM orders", RejectionReason.unparseable, "parse"),
        ("", RejectionReason.not_one_statement, "found 0"),
    ],
)
def test_rejections_say_what_is_wrong(
    shop: tuple[Engine, SemanticModel, Path], sql: str, reason: RejectionReason, named: str
) -> None:
    _, model, _ = shop
    with pytest.raises(QueryRejected) as rejected:
        validate_query(sql, dialect=Dialect.sqlite, model=model, max_rows=10)
    assert rejected.value.reason is reason and named in str(rejected.value)
