"""What the server receives is what was checked: every table the resolved entity's exact, quoted, qualified name;
names matched by the server's folding rules; PostgreSQL's functions in disguise refused; costs bounded where the
engine cannot interrupt a call; SQLite's JSON, FTS and recursive queries accepted and run."""

from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import Engine
from sqlglot import exp

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.query.cost_rules import MAX_BUILT_CHARS, MAX_PATTERN_CHARS
from hugdata.query.execute import run_read_query
from hugdata.query.validation import QueryRejected, RejectionReason, validate_query
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import sqlite_catalog


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    path = build_demo_database(DEMO_TENANTS[0], tmp_path_factory.mktemp("shop"))
    engine = open_source_engine(DataSourceSpec(dialect=Dialect.sqlite, path=str(path)))
    return build_semantic_model(introspect_schema(engine, dialect="sqlite"))


def _tables(sql: str, read: str) -> list[exp.Table]:
    return list(sqlglot.parse_one(sql, read=read).find_all(exp.Table))


READS = [(Dialect.postgresql, "postgres"), (Dialect.mariadb, "mysqlfamily"), (Dialect.sqlite, "sqlite")]


@pytest.mark.parametrize(("dialect", "read"), READS)
def test_every_table_is_sent_as_its_entitys_quoted_qualified_name(
    model: SemanticModel, dialect: Dialect, read: str
) -> None:
    sql = (
        "WITH spend AS (SELECT customer_id, SUM(total_amount) AS total FROM orders GROUP BY customer_id) "
        "SELECT c.email, s.total FROM customers c JOIN spend s ON s.customer_id = c.id "
        "WHERE c.id IN (SELECT customer_id FROM orders WHERE status = 'paid')"
    )
    written = validate_query(sql, dialect=dialect, model=model, max_rows=10).sql
    tables = [t for t in _tables(written, read) if t.name != "spend"]
    assert len(tables) == 3
    for table in tables:
        assert table.args["this"].args.get("quoted") and table.args["db"].args.get("quoted")
        assert table.db == "main" and table.name in ("orders", "customers")
        assert bool(table.args.get("only")) is (dialect is Dialect.postgresql)
    assert "c.email" in written and "s.customer_id = c.id" in written  # the query's own names still resolve


def test_a_partitioned_postgresql_table_is_read_with_its_partitions(model: SemanticModel) -> None:
    partitioned = model.model_copy(
        update={"entities": [e.model_copy(update={"partitioned": e.table == "orders"}) for e in model.entities]}
    )
    written = validate_query(
        "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id",
        dialect=Dialect.postgresql, model=partitioned, max_rows=10,
    ).sql  # fmt: skip
    assert 'FROM "main"."orders" AS o' in written and 'JOIN ONLY "main"."customers" AS c' in written


@pytest.mark.parametrize(
    ("dialect", "sql", "reason", "says"),
    [
        (Dialect.postgresql, 'SELECT * FROM "MAIN".orders', RejectionReason.unknown_table, "no such table"),
        (Dialect.postgresql, 'SELECT * FROM main."Orders"', RejectionReason.unknown_table, "no such table"),
        (Dialect.postgresql, "SELECT * FROM main.\u212aeys", RejectionReason.unknown_table, "no such table"),
        (Dialect.mariadb, "SELECT * FROM MAIN.orders", RejectionReason.unknown_table, "no such table"),
        (Dialect.mariadb, "SELECT * FROM main.ORDERS", RejectionReason.unknown_table, "no such table"),
        (Dialect.postgresql, "SELECT user FROM orders", RejectionReason.denied_function, "session's role"),
        (Dialect.postgresql, "SELECT current_role FROM orders", RejectionReason.denied_function, "session's role"),
        (Dialect.postgresql, "SELECT id FROM orders WHERE status = current_schema", RejectionReason.denied_function,
         "current_schema"),
        (Dialect.postgresql, "SELECT s.pg_typeof, s.row_to_json FROM (SELECT 1 AS a) s",
         RejectionReason.unknown_column, "no column 'pg_typeof'"),
        (Dialect.postgresql, "SELECT g.pg_typeof FROM generate_series(1, 3) g", RejectionReason.unknown_column,
         "no column 'pg_typeof'"),
        (Dialect.postgresql, "SELECT to_json(c) FROM customers c", RejectionReason.unknown_column, "whole table row"),
        (Dialect.postgresql, "SELECT c FROM customers c", RejectionReason.unknown_column, "whole table row"),
        (Dialect.postgresql, "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM customers x WHERE to_json(x) "
         "IS NOT NULL)", RejectionReason.unknown_column, "whole table row"),
    ],
)  # fmt: skip
def test_names_the_server_would_read_differently_are_refused(
    model: SemanticModel, dialect: Dialect, sql: str, reason: RejectionReason, says: str
) -> None:
    with pytest.raises(QueryRejected) as rejected:
        validate_query(sql, dialect=dialect, model=model, max_rows=10)
    assert rejected.value.reason is reason and says in str(rejected.value)


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        (Dialect.postgresql, "SELECT * FROM MAIN.ORDERS"),  # unquoted: PostgreSQL folds it to main.orders
        (Dialect.postgresql, 'SELECT "user" FROM (SELECT email AS "user" FROM customers) u'),
        (Dialect.postgresql, "SELECT g FROM generate_series(1, 3) g"),
        (Dialect.postgresql, "SELECT u.x FROM unnest(ARRAY[1, 2]) AS u(x)"),
        (Dialect.postgresql, "SELECT j.key, j.value FROM orders o, json_each('{}'::json) j"),
        (Dialect.postgresql, "SELECT l.total FROM customers c, LATERAL (SELECT total_amount AS total FROM orders "
         "WHERE customer_id = c.id LIMIT 1) l"),
        (Dialect.mariadb, "SELECT * FROM main.orders"),
        (Dialect.sqlite, "SELECT * FROM MAIN.ORDERS"),
    ],
)  # fmt: skip
def test_what_the_server_reads_as_the_model_is_accepted(model: SemanticModel, dialect: Dialect, sql: str) -> None:
    assert validate_query(sql, dialect=dialect, model=model, max_rows=10).sql


_SEARCHES = [
    ("SELECT instr(email, email) FROM customers", "literal string"),
    (f"SELECT instr(email, '{'a' * (MAX_PATTERN_CHARS + 1)}') FROM customers", "at most"),
    ("SELECT id FROM customers WHERE email LIKE email", "literal string"),
    ("SELECT id FROM customers WHERE email LIKE '%a%b%c%d%'", "one '%'"),
    ("SELECT id FROM customers WHERE email LIKE '%a%b'", "one '%'"),
    ("SELECT id FROM customers WHERE email GLOB '*a*b'", "one '*'"),
    ("SELECT replace(email, email, 'x') FROM customers", "literal string"),
]
_BUILDERS = [  # MySQL's and MariaDB's own; SQLite has none of them
    (f"SELECT repeat('x', {MAX_BUILT_CHARS + 1}) FROM customers", "literal number"),
    ("SELECT repeat('x', id) FROM customers", "literal number"),
    ("SELECT repeat(repeat('x', 100), 100) FROM customers", "built again"),
    ("SELECT rpad(email, 100000000, 'x') FROM customers", "literal number"),
]


@pytest.mark.parametrize("dialect", [Dialect.mariadb, Dialect.sqlite])
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM customers WHERE email LIKE '%@example.com'",
        "SELECT id FROM customers WHERE email LIKE 'a%@example.com'",
        "SELECT id FROM customers WHERE email LIKE '%example%'",
        "SELECT id, instr(email, '@') FROM customers WHERE replace(email, '.', '') <> ''",
    ],
)
def test_everyday_searches_stay_allowed(model: SemanticModel, dialect: Dialect, sql: str) -> None:
    assert validate_query(sql, dialect=dialect, model=model, max_rows=10).sql


@pytest.mark.parametrize(
    ("dialect", "sql", "says"),
    [(d, sql, says) for d in (Dialect.mariadb, Dialect.sqlite) for sql, says in _SEARCHES]
    + [(Dialect.mariadb, sql, says) for sql, says in _BUILDERS],
)
def test_calls_an_uninterruptible_engine_could_not_bound_are_refused(
    model: SemanticModel, dialect: Dialect, sql: str, says: str
) -> None:
    with pytest.raises(QueryRejected) as rejected:
        validate_query(sql, dialect=dialect, model=model, max_rows=10)
    assert rejected.value.reason is RejectionReason.too_costly and says in str(rejected.value)
    # PostgreSQL interrupts its functions: the same calls are its to run (and cut by its statement timeout).
    assert validate_query(sql, dialect=Dialect.postgresql, model=model, max_rows=10).sql


def test_sqlite_printf_widths_are_bounded(model: SemanticModel) -> None:
    with pytest.raises(QueryRejected, match="width"):
        validate_query("SELECT printf('%*s', 100000000, 'x') FROM orders", dialect=Dialect.sqlite, model=model,
                       max_rows=10)  # fmt: skip
    with pytest.raises(QueryRejected, match="width"):
        validate_query("SELECT printf('%.999999999s', email) FROM customers", dialect=Dialect.sqlite, model=model,
                       max_rows=10)  # fmt: skip
    assert validate_query("SELECT printf('%08.2f', total_amount) FROM orders", dialect=Dialect.sqlite, model=model,
                          max_rows=10).sql  # fmt: skip


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, SemanticModel]:
    return sqlite_catalog(
        Path(tmp_path_factory.mktemp("docs")) / "docs.sqlite",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, tags TEXT, status TEXT);"
        "INSERT INTO orders VALUES (1, '[\"a\", \"b\"]', 'paid'), (2, '[\"c\"]', 'new');"
        "CREATE VIRTUAL TABLE notes USING fts5(body);"
        "INSERT INTO notes VALUES ('hello world'), ('other words');",
    )


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("SELECT o.id, j.value FROM orders o, json_each(o.tags) j ORDER BY o.id, j.value",
         [[1, "a"], [1, "b"], [2, "c"]]),
        ("SELECT count(*) FROM orders o JOIN json_tree(o.tags) t ON t.type = 'text'", [[3]]),
        ("SELECT body FROM notes WHERE notes MATCH 'hello'", [["hello world"]]),
        ("SELECT body FROM notes WHERE body MATCH 'words'", [["other words"]]),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT count(*) FROM r", [[5]]),
    ],
)  # fmt: skip
def test_sqlite_json_fts_and_recursive_queries_are_accepted_and_run(
    documents: tuple[Engine, SemanticModel], sql: str, rows: list[list[object]]
) -> None:
    engine, model = documents
    assert run_read_query(engine, sql, dialect=Dialect.sqlite, model=model, max_rows=10).rows == rows
