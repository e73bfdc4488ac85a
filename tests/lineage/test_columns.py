"""Column lineage of hand-checked statements, in each dialect family's own SQL: the source columns read, and how."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.lineage.columns import LineageUnclear, query_lineage
from hugdata.tenants.models import Dialect

# The schema each family's catalog would name its tables in.
SCHEMAS = {Dialect.sqlite: "main", Dialect.postgresql: "public", Dialect.mysql: "shop"}


@pytest.fixture(scope="module")
def sqlite_model(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    path = Path(tmp_path_factory.mktemp("lineage")) / "shop.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);"
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),"
            " total NUMERIC, status TEXT, created_at TIMESTAMP);"
        )
    engine = create_engine(f"sqlite:///{path}")
    try:
        return build_semantic_model(introspect_schema(engine, dialect="sqlite", include=[], exclude=[]))
    finally:
        engine.dispose()


def _in_schema(model: SemanticModel, schema: str) -> SemanticModel:
    """The same tables as a catalog of another dialect would name them (schema.table)."""
    entities = [e.model_copy(update={"schema_name": schema, "name": f"{schema}.{e.table}"}) for e in model.entities]
    rename = {e.name: f"{schema}.{e.table}" for e in model.entities}
    relationships = [
        r.model_copy(update={"from_entity": rename[r.from_entity], "to_entity": rename[r.to_entity]})
        for r in model.relationships
    ]
    metrics = [m.model_copy(update={"entity": rename[m.entity]}) for m in model.metrics]
    return model.model_copy(update={"entities": entities, "relationships": relationships, "metrics": metrics})


def _uses(sql: str, dialect: Dialect, model: SemanticModel) -> dict[str, list[str]]:
    schema = SCHEMAS[dialect]
    lineage = query_lineage(sql, dialect=dialect, model=_in_schema(model, schema))
    prefix = f"{schema}."
    return {f"{t.removeprefix(prefix)}.{c}": sorted(map(str, uses)) for (t, c), uses in sorted(lineage.columns.items())}


# Statement per family (its own quoting, casts and date functions) -> the expected columns and roles.
CASES = {
    "join_with_aliases_group_and_order_by_alias": (
        {
            Dialect.sqlite: "SELECT c.name, SUM(o.total) AS s FROM orders o JOIN customers c ON c.id = o.customer_id "
            "WHERE o.status = 'paid' GROUP BY c.name ORDER BY s DESC",
            Dialect.postgresql: 'SELECT c."name", SUM(o.total::numeric) AS s FROM orders AS o JOIN customers AS c '
            "ON c.id = o.customer_id WHERE o.status = 'paid' GROUP BY c.\"name\" ORDER BY s DESC",
            Dialect.mysql: "SELECT c.`name`, SUM(o.`total`) AS s FROM `orders` o INNER JOIN `customers` c "
            "ON c.id = o.customer_id WHERE o.status = 'paid' GROUP BY c.`name` ORDER BY s DESC",
        },
        {
            "customers.id": ["joined"],
            "customers.name": ["grouped", "projected"],
            "orders.customer_id": ["joined"],
            "orders.status": ["filtered"],
            "orders.total": ["aggregated", "ordered", "projected"],
        },
    ),
    "cte_filtered_outside": (
        {
            d: "WITH spend AS (SELECT customer_id, SUM(total) AS spent FROM orders GROUP BY customer_id) "
            "SELECT customer_id FROM spend WHERE spent > 100"
            for d in SCHEMAS
        },
        {"orders.customer_id": ["grouped", "projected"], "orders.total": ["aggregated", "filtered", "projected"]},
    ),
    "subquery_in_from_and_in_where": (
        {
            d: "SELECT x.who FROM (SELECT name AS who, id FROM customers) AS x "
            "WHERE x.id IN (SELECT customer_id FROM orders WHERE total > 5)"
            for d in SCHEMAS
        },
        {
            "customers.id": ["filtered", "projected"],
            "customers.name": ["projected"],
            "orders.customer_id": ["filtered"],
            "orders.total": ["filtered"],
        },
    ),
    "select_star_expands_to_every_column": (
        {d: "SELECT * FROM customers" for d in SCHEMAS},
        {"customers.country": ["projected"], "customers.id": ["projected"], "customers.name": ["projected"]},
    ),
    "group_by_an_expression": (
        {
            Dialect.sqlite: "SELECT strftime('%Y', created_at) AS y, COUNT(*) AS n FROM orders "
            "GROUP BY strftime('%Y', created_at)",
            Dialect.postgresql: "SELECT EXTRACT(YEAR FROM created_at) AS y, COUNT(*) AS n FROM orders "
            "GROUP BY EXTRACT(YEAR FROM created_at)",
            Dialect.mysql: "SELECT DATE_FORMAT(created_at, '%Y') AS y, COUNT(*) AS n FROM orders "
            "GROUP BY DATE_FORMAT(created_at, '%Y')",
        },
        {"orders.created_at": ["grouped", "projected"]},
    ),
    "correlated_exists": (
        {
            d: "SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)"
            for d in SCHEMAS
        },
        {"customers.id": ["filtered"], "customers.name": ["projected"], "orders.customer_id": ["filtered"]},
    ),
}


@pytest.mark.parametrize("dialect", list(SCHEMAS), ids=str)
@pytest.mark.parametrize("case", list(CASES))
def test_lineage_of_hand_checked_statements(dialect: Dialect, case: str, sqlite_model: SemanticModel) -> None:
    statements, expected = CASES[case]
    assert _uses(statements[dialect], dialect, sqlite_model) == expected


def test_a_count_of_rows_reads_the_table_without_naming_a_column(sqlite_model: SemanticModel) -> None:
    lineage = query_lineage("SELECT COUNT(*) FROM orders", dialect=Dialect.sqlite, model=sqlite_model)
    assert lineage.tables == {"main.orders"} and lineage.columns == {}


def test_a_statement_that_does_not_parse_is_unclear_not_an_error(sqlite_model: SemanticModel) -> None:
    with pytest.raises(LineageUnclear, match="cannot resolve"):
        query_lineage("SELECT FROM WHERE (", dialect=Dialect.sqlite, model=sqlite_model)
