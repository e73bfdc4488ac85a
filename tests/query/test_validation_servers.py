"""The machine's PostgreSQL and MariaDB as tenant sources: the attack corpus is refused before it runs and changes
nothing; the offline planner's SQL, written in each server's dialect, runs and answers right."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.query.compare import results_match
from hugdata.query.execute import explain_validated, run_read_query
from hugdata.query.optimization import index_suggestions
from hugdata.query.planner import plan_question
from hugdata.query.validation import QueryRejected, validate_query
from hugdata.query.values import category_value_lookup
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.query.test_validation import ATTACKS
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database, machine_postgres_database

TABLES = {
    "customers": "(id INT PRIMARY KEY, email VARCHAR(200) NOT NULL, country_code CHAR(2) NOT NULL)",
    "orders": "(id INT PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers (id), "
    "status VARCHAR(20) NOT NULL, total_amount NUMERIC(12, 2) NOT NULL, ordered_on DATE NOT NULL)",
    "categories": "(id INT PRIMARY KEY, name VARCHAR(100) NOT NULL)",
}
ROWS = [
    "INSERT INTO customers VALUES (1, 'a@example.com', 'DE'), (2, 'b@example.com', 'FR')",
    "INSERT INTO orders VALUES (1, 1, 'paid', 10.50, '2025-01-05'), (2, 2, 'shipped', 99.00, '2025-02-10'), "
    "(3, 1, 'paid', 5.25, '2024-12-31')",
    "INSERT INTO categories VALUES (1, 'books')",
]


def _snapshot(engine: Engine, schema: str) -> Any:
    with engine.connect() as conn:
        tables = sorted(
            conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
            ).scalars()
        )
        return tables, {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in tables}


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, SemanticModel, Dialect, str, Callable[[], Any]]]:
    ddl = [f"CREATE TABLE {name} {columns}" for name, columns in TABLES.items()] + ROWS
    if request.param == "postgresql":
        with machine_postgres_database(";\n".join(ddl)) as database:
            spec = DataSourceSpec(
                dialect=Dialect.postgresql,
                host=MACHINE_PG["host"],
                port=MACHINE_PG["port"],
                database=database,
                username=MACHINE_PG["user"],
            )
            yield _prepared(spec, "public")
    else:
        with machine_mariadb_database(ddl) as database:
            spec = DataSourceSpec(
                dialect=Dialect.mysql,
                host=MACHINE_MARIADB["host"],
                port=MACHINE_MARIADB["port"],
                database=database,
                username=MACHINE_MARIADB["user"],
                password=MACHINE_MARIADB["password"] or None,
            )
            yield _prepared(spec, database)


def _prepared(spec: DataSourceSpec, schema: str) -> tuple[Engine, SemanticModel, Dialect, str, Callable[[], Any]]:
    engine = open_source_engine(spec)
    dialect_name = "postgresql" if spec.dialect is Dialect.postgresql else "mysql"
    model = build_semantic_model(introspect_schema(engine, dialect=dialect_name))
    return engine, model, spec.dialect, schema, lambda: _snapshot(engine, schema)


def test_attacks_are_refused_on_server_databases_and_change_nothing(
    server: tuple[Engine, SemanticModel, Dialect, str, Callable[[], Any]],
) -> None:
    engine, model, dialect, schema, snapshot = server
    before = snapshot()
    assert before[1]["orders"]  # the check below compares real rows
    for attack in ATTACKS:
        with pytest.raises(QueryRejected):
            run_read_query(engine, attack.replace("main.", f"{schema}."), dialect=dialect, model=model, max_rows=10)
    assert snapshot() == before
    ok = run_read_query(
        engine, f"SELECT status, SUM(total_amount) AS total FROM {schema}.orders GROUP BY status", dialect=dialect,
        model=model, max_rows=10,
    )  # fmt: skip
    assert sorted(r[0] for r in ok.rows) == ["paid", "shipped"]


def test_percent_signs_in_literals_reach_the_server_unchanged(
    server: tuple[Engine, SemanticModel, Dialect, str, Callable[[], Any]],
) -> None:
    engine, model, dialect, schema, _snapshot = server
    sql = f"SELECT email, '100%' AS pct FROM {schema}.customers WHERE email LIKE 'a%'"
    result = run_read_query(engine, sql, dialect=dialect, model=model, max_rows=10)
    assert result.rows == [["a@example.com", "100%"]]


PLANNED = {
    "How many orders per status?": [("paid", 2), ("shipped", 1)],
    "Number of orders per month": [("2024-12", 1), ("2025-01", 1), ("2025-02", 1)],
    "How many orders were placed in 2025?": [(2,)],
    "Total amount of paid orders": [(15.75,)],
    "Total amount per customer country": [("DE", 15.75), ("FR", 99.0)],
    "List customers whose email is 'b@example.com'": [(2, "b@example.com", "FR")],
}


@pytest.mark.parametrize("question", PLANNED)
def test_offline_planner_sql_runs_on_server_databases(
    server: tuple[Engine, SemanticModel, Dialect, str, Callable[[], Any]], question: str
) -> None:
    engine, model, dialect, _schema, _snapshot = server
    values = category_value_lookup(lambda: engine, dialect=dialect, model=model)
    sql = plan_question(question, model, dialect=dialect, values=values)
    result = run_read_query(engine, sql, dialect=dialect, model=model, max_rows=50)
    assert results_match(PLANNED[question], result.rows, ordered=False), (sql, result.rows)


def test_explain_names_full_scans_and_the_index_suggestion_runs_on_server_databases(
    server: tuple[Engine, SemanticModel, Dialect, str, Callable[[], Any]],
) -> None:
    engine, model, dialect, schema, _snapshot = server
    sql = f"SELECT COUNT(*) FROM {schema}.orders AS o WHERE o.status = 'paid'"
    plan = explain_validated(engine, validate_query(sql, dialect=dialect, model=model, max_rows=10), dialect=dialect)
    assert plan.full_scans == ["orders"] and plan.estimated_rows is not None
    assert plan.cost is not None and plan.cost > 0
    snapshot = introspect_schema(engine, dialect="postgresql" if dialect is Dialect.postgresql else "mysql")
    [suggestion] = index_suggestions([sql], dialect=dialect, snapshot=snapshot)
    assert (suggestion.table, suggestion.column) == (f"{schema}.orders", "status")
    # The tenant applies it with its own rights; the platform's session is read-only.
    url = engine.url.set(query={})
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as admin:
        admin.exec_driver_sql(suggestion.statement)
    after = introspect_schema(engine, dialect="postgresql" if dialect is Dialect.postgresql else "mysql")
    orders = after.table(f"{schema}.orders")
    assert orders is not None and ["status"] in [i.columns for i in orders.indexes]
    assert index_suggestions([sql], dialect=dialect, snapshot=after) == []
