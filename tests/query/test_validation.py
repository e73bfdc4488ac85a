"""SQL for a tenant is validated with sqlglot against its semantic model; attacks never reach the database."""

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError
from sqlglot import exp

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.query.execute import execute_validated, run_read_query
from hugdata.query.sql_policy import ALLOWED_FUNCTIONS, function_allow_list
from hugdata.query.validation import QueryRejected, RejectionReason, ValidatedQuery, validate_query
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.query.hostile_sql import HOSTILE, hostile_for

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


def test_a_cut_result_says_it_was_cut_by_its_row_limit(shop: tuple[Engine, SemanticModel, Path]) -> None:
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
    # One row more than asked is read, so a longer result is known to be cut.
    assert len(result.rows) == 3 and "LIMIT 4" in result.sql
    assert result.truncated and result.truncated_by == "max_rows"
    whole = run_read_query(
        engine, "SELECT DISTINCT status FROM orders", dialect=Dialect.sqlite, model=model, max_rows=5
    )
    assert len(whole.rows) == 5 and not whole.truncated and whole.truncated_by is None


def test_an_existing_smaller_limit_is_kept_and_a_larger_one_capped(shop: tuple[Engine, SemanticModel, Path]) -> None:
    _, model, _ = shop
    kept = validate_query("SELECT id FROM orders LIMIT 5", dialect=Dialect.sqlite, model=model, max_rows=100)
    assert kept.sql.endswith("LIMIT 5") and not kept.limit_added
    capped = validate_query("SELECT id FROM orders LIMIT 5000", dialect=Dialect.sqlite, model=model, max_rows=100)
    assert capped.sql.endswith("LIMIT 101") and capped.limit_added
    union = validate_query(
        "SELECT id FROM orders UNION SELECT id FROM customers", dialect=Dialect.sqlite, model=model, max_rows=10
    )
    assert union.limit_added and union.sql.endswith("LIMIT 11") and union.tables == ["main.customers", "main.orders"]


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


FAMILY_DIALECT = {"sqlite": Dialect.sqlite, "postgresql": Dialect.postgresql, "mysql": Dialect.mariadb}


@pytest.mark.parametrize("family", list(FAMILY_DIALECT))
def test_the_hostile_corpus_is_refused_on_every_dialect_family(
    shop: tuple[Engine, SemanticModel, Path], family: str
) -> None:
    _, model, _ = shop
    accepted = []
    for hostile in hostile_for(family):
        try:
            validate_query(hostile.sql, dialect=FAMILY_DIALECT[family], model=model, max_rows=10)
        except QueryRejected:
            continue
        accepted.append(hostile.sql)
    assert accepted == []


def test_the_hostile_corpus_covers_every_family_and_class() -> None:
    assert len(HOSTILE) >= 150
    assert {h.family for h in HOSTILE} == {"any", "postgresql", "mysql", "sqlite"}
    assert all(len(hostile_for(f)) >= 80 for f in ("postgresql", "mysql", "sqlite"))


@pytest.mark.parametrize(
    ("dialect", "sql", "named"),
    [
        (Dialect.postgresql, "SELECT query_to_xml('select 1', true, true, '') FROM orders", "query_to_xml()"),
        (Dialect.postgresql, "SELECT ts_stat('select 1')", "ts_stat()"),
        (Dialect.mariadb, "SELECT MASTER_GTID_WAIT('0-1-1', 6)", "master_gtid_wait()"),
        (Dialect.mysql, "SELECT id FROM orders WHERE SLEEP(1) = 0", "sleep()"),
        (Dialect.sqlite, "SELECT * FROM pragma_table_info('orders')", "pragma_table_info()"),
        (Dialect.postgresql, "SELECT current_setting('data_directory')", "current_setting()"),
    ],
)
def test_a_function_off_the_allow_list_is_refused_by_name(
    shop: tuple[Engine, SemanticModel, Path], dialect: Dialect, sql: str, named: str
) -> None:
    _, model, _ = shop
    with pytest.raises(QueryRejected) as rejected:
        validate_query(sql, dialect=dialect, model=model, max_rows=10)
    assert rejected.value.reason is RejectionReason.denied_function and named in str(rejected.value)


def test_a_cte_may_not_take_a_tables_name_and_cannot_hide_a_catalog(shop: tuple[Engine, SemanticModel, Path]) -> None:
    _, model, _ = shop
    with pytest.raises(QueryRejected, match="hides a table"):
        validate_query(
            "WITH orders AS (SELECT 1 AS id) SELECT * FROM orders", dialect=Dialect.sqlite, model=model, max_rows=5
        )
    # Inside its own body a CTE's name is the real table: the catalog behind it is found and refused.
    with pytest.raises(QueryRejected, match="pg_shadow is a system table"):
        validate_query(
            "WITH pg_shadow AS (SELECT * FROM pg_shadow) SELECT * FROM pg_shadow",
            dialect=Dialect.postgresql,
            model=model,
            max_rows=5,
        )
    # A recursive CTE reading itself is fine.
    recursive = validate_query(
        "WITH RECURSIVE tree AS (SELECT id FROM categories WHERE parent_category_id IS NULL UNION ALL "
        "SELECT c.id FROM categories c JOIN tree ON c.parent_category_id = tree.id) SELECT * FROM tree",
        dialect=Dialect.sqlite,
        model=model,
        max_rows=5,
    )
    assert recursive.tables == ["main.categories"]


@pytest.mark.parametrize(
    ("dialect", "sql", "message"),
    [
        (Dialect.mariadb, "SELECT @@datadir", "session variables"),
        (Dialect.postgresql, "SELECT 'pg_authid'::regclass", "catalog"),
        (Dialect.postgresql, "SELECT CAST('<x/>' AS xml)", "not allowed in a cast"),
        (Dialect.postgresql, "SELECT evil.lower(email) FROM customers", "plain name"),
        (Dialect.mariadb, "SELECT 1 /*! , SLEEP(5) */", "executable comments"),
        (Dialect.mariadb, "SELECT * FROM mysql.user", "system schema"),
        (Dialect.postgresql, "SELECT * FROM information_schema.tables", "system schema"),
        (Dialect.sqlite, "SELECT * FROM sqlite_master", "system table"),
    ],
)
def test_session_variables_catalog_casts_and_system_schemas_are_refused_with_the_reason(
    shop: tuple[Engine, SemanticModel, Path], dialect: Dialect, sql: str, message: str
) -> None:
    _, model, _ = shop
    with pytest.raises(QueryRejected) as rejected:
        validate_query(sql, dialect=dialect, model=model, max_rows=10)
    assert message in str(rejected.value)


def test_every_reference_query_of_the_ask_sets_is_accepted(shop: tuple[Engine, SemanticModel, Path]) -> None:
    from hugdata.demo.ask_set import ASK_SET, HELD_OUT
    from tests.query.demo_models import build_demo_catalogs

    catalogs = build_demo_catalogs(shop[2].parent / "all")
    refused = []
    for pair in ASK_SET + HELD_OUT:
        try:
            validate_query(pair.sql, dialect=Dialect.sqlite, model=catalogs[pair.project_id].model, max_rows=1000)
        except QueryRejected as rejection:
            refused.append((pair.sql, str(rejection)))
    assert refused == []


@pytest.mark.parametrize("read", sorted(ALLOWED_FUNCTIONS))
def test_the_allow_list_names_parse_into_what_it_allows(read: str) -> None:
    allowed = function_allow_list(read)
    assert exp.Sum in allowed.classes and exp.Lower in allowed.classes
    assert "pg_sleep" not in allowed.names and "sleep" not in allowed.names and "load_extension" not in allowed.names
    unknown = sqlglot.parse_one("SELECT nobody_knows_me(1)", read=read).find(exp.Anonymous)
    assert unknown is not None and not allowed.allows(unknown)


def test_the_authorizer_stops_a_sqlite_read_the_validator_did_not_resolve(
    shop: tuple[Engine, SemanticModel, Path],
) -> None:
    engine, _, _ = shop
    # Forged past the validator: the source's own guard must still refuse it.
    forged = ValidatedQuery(
        sql="SELECT sql FROM sqlite_master", tables=["main.orders"], limit_added=False, sources=(("main", "orders"),)
    )
    with pytest.raises(DatabaseError, match="prohibited"):
        execute_validated(engine, forged, max_rows=10)
    pragma = ValidatedQuery(sql="SELECT * FROM pragma_database_list", tables=[], limit_added=False, sources=())
    with pytest.raises(DatabaseError, match="prohibited|not authorized"):
        execute_validated(engine, pragma, max_rows=10)
    allowed = ValidatedQuery(
        sql="SELECT count(*) FROM orders", tables=["main.orders"], limit_added=False, sources=(("main", "orders"),)
    )
    assert execute_validated(engine, allowed, max_rows=10).rows == [[1500]]


def test_fetch_first_keeps_its_own_count_under_the_row_cap(shop: tuple[Engine, SemanticModel, Path]) -> None:
    _, model, _ = shop
    sql = "SELECT id FROM orders ORDER BY total_amount DESC FETCH FIRST 5 ROWS ONLY"
    kept = validate_query(sql, dialect=Dialect.postgresql, model=model, max_rows=100)
    assert "FETCH FIRST 5 ROWS ONLY" in kept.sql and not kept.limit_added
    capped = validate_query(sql.replace("5 ROWS", "500 ROWS"), dialect=Dialect.postgresql, model=model, max_rows=100)
    assert capped.limit_added and "500" not in capped.sql


def test_mysql_family_sql_is_written_as_both_servers_parse_it(shop: tuple[Engine, SemanticModel, Path]) -> None:
    _, model, _ = shop
    sql = "SELECT UTC_DATE(), name FROM products WHERE name REGEXP '^Eco'"
    written = validate_query(sql, dialect=Dialect.mariadb, model=model, max_rows=10).sql
    assert "UTC_DATE()" in written and "REGEXP '^Eco'" in written and "REGEXP_LIKE" not in written
