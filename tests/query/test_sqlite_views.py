"""SQLite views of the model are readable, nested and compound ones included: the worker lets a query read what the
views it may read read themselves, as SQLite resolves them, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.execute import execute_validated, run_read_query
from hugdata.query.validation import ValidatedQuery
from hugdata.tenants.models import Dialect
from tests.sources import sqlite_catalog


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, SemanticModel]:
    engine, model = sqlite_catalog(
        Path(tmp_path_factory.mktemp("views")) / "views.sqlite",
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id), total REAL);"
        "CREATE TABLE secrets (token TEXT);"
        "INSERT INTO customers VALUES (1, 'ada', 'DE'), (2, 'bob', 'FR');"
        "INSERT INTO orders VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7);"
        "INSERT INTO secrets VALUES ('hd-canary-view');"
        "CREATE VIEW customer_totals AS SELECT c.name, SUM(o.total) AS total FROM customers c "
        "JOIN orders o ON o.customer_id = c.id GROUP BY c.name;"
        "CREATE VIEW big_customers AS SELECT name FROM customer_totals WHERE total > 8;"
        "CREATE VIEW places AS SELECT name FROM customers UNION SELECT country FROM customers;",
    )
    model = model.model_copy(update={"entities": [e for e in model.entities if e.table != "secrets"]})
    return engine, model


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("SELECT name, total FROM customer_totals ORDER BY name", [["ada", 15.0], ["bob", 7.0]]),
        ("SELECT name FROM big_customers", [["ada"]]),  # a view over a view
        ("SELECT name FROM places ORDER BY name", [["DE"], ["FR"], ["ada"], ["bob"]]),  # a compound view
        ("SELECT b.name, t.total FROM big_customers b JOIN customer_totals t ON t.name = b.name", [["ada", 15.0]]),
    ],
)
def test_views_of_the_model_are_read_with_what_they_read(
    shop: tuple[Engine, SemanticModel], sql: str, rows: list[list[object]]
) -> None:
    engine, model = shop
    assert run_read_query(engine, sql, dialect=Dialect.sqlite, model=model, max_rows=10).rows == rows


def test_reading_a_view_opens_nothing_the_view_does_not_read(shop: tuple[Engine, SemanticModel]) -> None:
    engine, _ = shop
    forged = ValidatedQuery(sql="SELECT b.name, s.token FROM big_customers b, secrets s", tables=["main.big_customers"],
                            limit_added=False, sources=(("main", "big_customers"),))  # fmt: skip
    with pytest.raises(DatabaseError, match="not authorized|prohibited"):
        execute_validated(engine, forged, max_rows=5)
